package orbit.artifacts;

import orbit.nvml.AuditSchema;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.InstantColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.strings.StringColumnType;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static orbit.artifacts.AuditLoader.DOUBLE_COLUMNS;
import static orbit.artifacts.AuditLoader.INT_COLUMNS;
import static orbit.artifacts.AuditLoader.ORDER;
import static orbit.artifacts.AuditLoader.STRING_COLUMNS;

/**
 * The samples of one piece of an audit as primitive arrays, one per column, written in place by the line
 * readers ({@link PlainAuditLine}, {@link JacksonAuditLine}) at row {@link #n}; made into Tablesaw columns once,
 * at the end. Each key of the schema has a field id: its kind in the high bits, its slot in the arrays of that
 * kind in the low bits.
 */
final class AuditColumns {
    static final int MISSING_INT = Integer.MIN_VALUE;
    static final long MISSING_LONG = Long.MIN_VALUE;

    // field id encoding: the key's index in the schema from bit 16 (for duplicate checks), kind in bits 8-15, slot in bits 0-7
    static final int K_INT = 1 << 8, K_DOUBLE = 2 << 8, K_STRING = 3 << 8, K_TS = 4 << 8, K_THROTTLE = 5 << 8,
            K_PROCS = 6 << 8, K_NAMES = 7 << 8, K_EVENT = 8 << 8, K_ERRORS = 9 << 8;
    static final int KIND = 0xff00;
    static final Map<String, Integer> FIELDS = new HashMap<>();
    /** Key names by their index (id >>> 16). */
    static final String[] KEY_NAMES;

    static {
        List<AuditSchema.Key> keys = AuditSchema.SAMPLE_KEYS;
        KEY_NAMES = new String[keys.size() + 1];
        if (KEY_NAMES.length > 64) throw new IllegalStateException("a line's keys are checked with one long bit set");
        for (int k = 0; k < keys.size(); k++) {
            String name = keys.get(k).name();
            KEY_NAMES[k] = name;
            int strings = Arrays.asList(STRING_COLUMNS).indexOf(name);
            int kind = switch (keys.get(k).type()) {
                case TIMESTAMP -> K_TS;
                case STRING -> K_STRING | strings;
                case INT -> K_INT | Arrays.asList(INT_COLUMNS).indexOf(name);
                case BITMASK -> K_THROTTLE;
                case NUMBER -> K_DOUBLE | Arrays.asList(DOUBLE_COLUMNS).indexOf(name);
                case STRING_LIST -> K_NAMES | strings;
                case PROCS -> K_PROCS;
                case ERRORS -> K_ERRORS | strings;
            };
            FIELDS.put(name, k << 16 | kind);
        }
        KEY_NAMES[keys.size()] = AuditSchema.EVENT_KEY;
        FIELDS.put(AuditSchema.EVENT_KEY, keys.size() << 16 | K_EVENT);
        if (keys.stream().filter(k -> k.type() == AuditSchema.Type.BITMASK).count() != 1) {
            throw new IllegalStateException("the loader keeps one bitmask column");
        }
    }

    private static final int PROC_COUNT = Arrays.asList(INT_COLUMNS).indexOf("proc_count");
    private static final int PROC_MEM = Arrays.asList(INT_COLUMNS).indexOf("proc_mem_mib");

    final int[][] ints = new int[INT_COLUMNS.length][];
    final double[][] doubles = new double[DOUBLE_COLUMNS.length][];
    final String[][] strings = new String[STRING_COLUMNS.length][];
    final StringPool[] pools = new StringPool[STRING_COLUMNS.length];
    long[] ts;
    long[] throttle;
    /** Rows kept so far; also the row the readers write next. */
    int n;

    AuditColumns(int capacity) {
        for (int i = 0; i < ints.length; i++) ints[i] = new int[capacity];
        for (int i = 0; i < doubles.length; i++) doubles[i] = new double[capacity];
        for (int i = 0; i < strings.length; i++) {
            strings[i] = new String[capacity];
            pools[i] = new StringPool();
        }
        ts = new long[capacity];
        throttle = new long[capacity];
    }

    /** Makes row {@link #n} exist, every value missing. */
    void newRow() {
        if (n == ts.length) grow();
        clearRow();
    }

    void clearRow() {
        for (int[] a : ints) a[n] = MISSING_INT;
        for (double[] a : doubles) a[n] = Double.NaN;
        for (String[] a : strings) a[n] = null;
        ts[n] = MISSING_LONG;
        throttle[n] = MISSING_LONG;
    }

    /** procs [{pid, mem_mib}] of row n: how many, and the sum of mem_mib (missing when none of them had one). */
    void procs(int count, long mem, boolean anyMem) {
        ints[PROC_COUNT][n] = count;
        ints[PROC_MEM][n] = anyMem ? (int) Math.min(Integer.MAX_VALUE, mem) : (count == 0 ? 0 : MISSING_INT);
    }

    private void grow() {
        growTo((int) Math.min(Integer.MAX_VALUE - 16, ts.length + (long) ts.length / 2 + 16));
    }

    private void growTo(int cap) {
        for (int i = 0; i < ints.length; i++) ints[i] = Arrays.copyOf(ints[i], cap);
        for (int i = 0; i < doubles.length; i++) doubles[i] = Arrays.copyOf(doubles[i], cap);
        for (int i = 0; i < strings.length; i++) strings[i] = Arrays.copyOf(strings[i], cap);
        ts = Arrays.copyOf(ts, cap);
        throttle = Arrays.copyOf(throttle, cap);
    }

    /** Appends the rows of the next piece after these, dropping its arrays as they are copied. */
    void absorb(AuditColumns next) {
        int total = n + next.n;
        if (total > ts.length) growTo(total);
        for (int i = 0; i < ints.length; i++) {
            System.arraycopy(next.ints[i], 0, ints[i], n, next.n);
            next.ints[i] = null;
        }
        for (int i = 0; i < doubles.length; i++) {
            System.arraycopy(next.doubles[i], 0, doubles[i], n, next.n);
            next.doubles[i] = null;
        }
        for (int i = 0; i < strings.length; i++) {
            System.arraycopy(next.strings[i], 0, strings[i], n, next.n);
            next.strings[i] = null;
        }
        System.arraycopy(next.ts, 0, ts, n, next.n);
        System.arraycopy(next.throttle, 0, throttle, n, next.n);
        n = total;
    }

    private StringColumn[] stringsPending;
    private final AtomicInteger nextString = new AtomicInteger();
    private volatile RuntimeException stringsFailed;
    /** When {@link #table} had its table, its numeric columns and its string columns (for the loader's debug output). */
    long tTable, tNumbers, tStrings;

    /**
     * Builds string columns not yet taken by another thread, one at a time, dropping each row array once done:
     * dictionary-encoded in bulk ({@link DictionaryStrings}), else appended row by row.
     */
    private void buildStringColumns() {
        String missing = StringColumnType.missingValueIndicator();
        try {
            int i;
            while ((i = nextString.getAndIncrement()) < STRING_COLUMNS.length) {
                String[] a = strings[i];
                strings[i] = null;
                StringColumn sc = DictionaryStrings.column(STRING_COLUMNS[i], a, n);
                if (sc == null) {
                    // more distinct texts than a byte dictionary holds: Tablesaw's append promotes it as it goes
                    sc = StringColumn.create(STRING_COLUMNS[i]);
                    for (int r = 0; r < n; r++) sc.append(a[r] == null ? missing : a[r]);
                }
                stringsPending[i] = sc;
            }
        } catch (RuntimeException e) {
            stringsFailed = e;
        }
    }

    /**
     * The samples table, columns in {@link AuditLoader#ORDER}; the arrays are gone afterwards. Only once Tablesaw's
     * class initialisation is done ({@link AuditLoader#awaitTablesaw}).
     */
    Table table() {
        Table t = Table.create("nvml-audit");
        tTable = System.nanoTime();
        // on a large file a second thread starts on the string columns while this one makes the numeric columns,
        // then both share what is left
        stringsPending = new StringColumn[STRING_COLUMNS.length];
        Thread helper = null;
        if (n >= 100_000 && Runtime.getRuntime().availableProcessors() > 1) {
            helper = new Thread(this::buildStringColumns, "orbit-audit-columns");
            helper.setDaemon(true);
            helper.start();
        }
        Map<String, tech.tablesaw.columns.Column<?>> cols = new HashMap<>();
        // Tablesaw's factories copy the array they are given, so each row array is trimmed only when it is
        // longer than the rows read, and dropped as soon as its column exists: the young collections of a
        // first load then reclaim the large arrays one by one instead of the heap growing to hold them all.
        long[] packed = Arrays.copyOf(ts, n);
        ts = null;
        for (int i = 0; i < n; i++) if (packed[i] == MISSING_LONG) packed[i] = tech.tablesaw.columns.instant.InstantColumnType.missingValueIndicator();
        cols.put("ts", InstantColumn.createInternal("ts", packed));
        packed = null;
        for (int i = 0; i < INT_COLUMNS.length; i++) {
            int[] a = ints[i];
            ints[i] = null;
            cols.put(INT_COLUMNS[i], IntColumn.create(INT_COLUMNS[i], a.length == n ? a : Arrays.copyOf(a, n)));
        }
        for (int i = 0; i < DOUBLE_COLUMNS.length; i++) {
            double[] a = doubles[i];
            doubles[i] = null;
            cols.put(DOUBLE_COLUMNS[i], DoubleColumn.create(DOUBLE_COLUMNS[i], a.length == n ? a : Arrays.copyOf(a, n)));
        }
        long[] th = throttle;
        throttle = null;
        cols.put("throttle_reasons", LongColumn.create("throttle_reasons", th.length == n ? th : Arrays.copyOf(th, n)));
        th = null;
        tNumbers = System.nanoTime();
        buildStringColumns();
        if (helper != null) AuditLoader.uninterruptibly(helper::join);
        if (stringsFailed != null) throw stringsFailed;
        for (int i = 0; i < STRING_COLUMNS.length; i++) cols.put(STRING_COLUMNS[i], stringsPending[i]);
        tStrings = System.nanoTime();
        for (String name : ORDER) t.addColumns(cols.get(name));
        return t;
    }
}
