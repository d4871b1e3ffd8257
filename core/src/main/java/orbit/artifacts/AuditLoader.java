package orbit.artifacts;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import orbit.OrbitException;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.InstantColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.strings.StringColumnType;
import tech.tablesaw.columns.dates.PackedLocalDate;
import tech.tablesaw.columns.instant.PackedInstant;
import tech.tablesaw.columns.times.PackedLocalTime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loads an orbit.nvml_audit.v1 JSON Lines file. A day of 8 GPUs at 1 Hz is 691,200 lines, so this reads
 * bytes in large blocks, splits lines itself (so one bad line costs one line), runs Jackson's streaming
 * parser over each line and writes straight into primitive arrays; Tablesaw columns are made once at the end.
 * No map or string per cell: repeated strings come from a {@link StringPool}, timestamps are parsed from
 * the parser's character buffer.
 */
public final class AuditLoader {
    /** Columns of the samples table, in order. procs [{pid, mem_mib}] becomes proc_count and proc_mem_mib. */
    public static final String[] INT_COLUMNS = {"gpu", "util_gpu", "util_mem", "mem_used_mib", "mem_total_mib", "temp_c",
            "sm_clock_mhz", "mem_clock_mhz", "ecc_corrected", "ecc_uncorrected", "pcie_tx_kbps", "pcie_rx_kbps",
            "proc_count", "proc_mem_mib"};
    public static final String[] DOUBLE_COLUMNS = {"power_w", "power_limit_w", "energy_j"};
    public static final String[] STRING_COLUMNS = {"host", "uuid", "name", "throttle_reason_names", "pstate", "source"};
    public static final String[] ORDER = {"ts", "host", "gpu", "uuid", "name", "util_gpu", "util_mem", "mem_used_mib",
            "mem_total_mib", "temp_c", "power_w", "power_limit_w", "energy_j", "sm_clock_mhz", "mem_clock_mhz",
            "throttle_reasons", "throttle_reason_names", "ecc_corrected", "ecc_uncorrected", "pcie_tx_kbps",
            "pcie_rx_kbps", "pstate", "proc_count", "proc_mem_mib", "source"};

    private static final int MISSING_INT = Integer.MIN_VALUE;
    private static final long MISSING_LONG = Long.MIN_VALUE;

    // field id encoding: kind in the high bits, slot in the low bits
    private static final int K_INT = 1 << 8, K_DOUBLE = 2 << 8, K_STRING = 3 << 8, K_TS = 4 << 8, K_THROTTLE = 5 << 8,
            K_PROCS = 6 << 8, K_NAMES = 7 << 8, K_EVENT = 8 << 8;
    private static final Map<String, Integer> FIELDS = new HashMap<>();

    static {
        for (int i = 0; i < INT_COLUMNS.length; i++) FIELDS.put(INT_COLUMNS[i], K_INT | i);
        for (int i = 0; i < DOUBLE_COLUMNS.length; i++) FIELDS.put(DOUBLE_COLUMNS[i], K_DOUBLE | i);
        for (int i = 0; i < STRING_COLUMNS.length; i++) FIELDS.put(STRING_COLUMNS[i], K_STRING | i);
        FIELDS.put("throttle_reason_names", K_NAMES | Arrays.asList(STRING_COLUMNS).indexOf("throttle_reason_names"));
        FIELDS.put("ts", K_TS);
        FIELDS.put("throttle_reasons", K_THROTTLE);
        FIELDS.put("procs", K_PROCS);
        FIELDS.put("event", K_EVENT);
    }

    private final int[][] ints = new int[INT_COLUMNS.length][];
    private final double[][] doubles = new double[DOUBLE_COLUMNS.length][];
    private final String[][] strings = new String[STRING_COLUMNS.length][];
    private final StringPool[] pools = new StringPool[STRING_COLUMNS.length];
    private long[] ts;
    private long[] throttle;
    private int n;
    private final StringBuilder names = new StringBuilder();
    private char[] nameChars = new char[64];
    private final LinkedHashSet<String> unknownKeys = new LinkedHashSet<>(); // in the order met, as parts are merged
    private long lines;
    private boolean readFailed;
    private long coerced;
    private int rowCoerced;
    private final String[] seenNames = new String[64];
    private final int[] seenIds = new int[64];
    private boolean pendingEvent;
    private final TableBuilder events = eventsTable();
    private final LoadReport.Builder report;

    private AuditLoader(Path file, int capacity) {
        this.report = LoadReport.builder(file);
        for (int i = 0; i < ints.length; i++) ints[i] = new int[capacity];
        for (int i = 0; i < doubles.length; i++) doubles[i] = new double[capacity];
        for (int i = 0; i < strings.length; i++) {
            strings[i] = new String[capacity];
            pools[i] = new StringPool();
        }
        ts = new long[capacity];
        throttle = new long[capacity];
    }

    /**
     * Rows per byte, from the mean line length of the file's first 256 KB (lines vary a little: procs, throttle
     * names), to size the row arrays. They grow if that was short.
     */
    private static double rowsPerByte(Path file, long size) {
        long lines = 0;
        int read = 0;
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate((int) Math.min(size, 256 * 1024));
            while (b.hasRemaining() && ch.read(b) > 0) { }
            read = b.position();
            for (int i = 0; i < read; i++) if (b.get(i) == '\n') lines++;
        } catch (IOException e) {
            lines = 0;
        }
        return lines > 0 ? 1.0 / Math.max(1, read / lines) : 1.0 / 300;
    }

    /** Rows to allocate for {@code bytes} of the file, plus a margin. */
    private static int capacity(long bytes, double rowsPerByte) {
        long estimate = (long) (bytes * rowsPerByte);
        return (int) Math.min(Integer.MAX_VALUE - 16, Math.max(1024, estimate + estimate / 10 + 16));
    }

    /** -Dorbit.audit.debug=true prints where a load spent its time to stderr (for the benchmark). */
    private static final boolean DEBUG = Boolean.getBoolean("orbit.audit.debug");
    private long tStart, tScanned;

    private static final AtomicBoolean TABLESAW_STARTED = new AtomicBoolean();
    private static final CountDownLatch TABLESAW_READY = new CountDownLatch(1);

    /**
     * Tablesaw's first use in a JVM costs about half a second (its Table class registers every reader and
     * writer on the classpath). Starting that on another thread while the file is parsed takes it off a
     * first load. That thread also initialises the column type classes, and nothing here touches Tablesaw's
     * tables or columns until it is done ({@link #awaitTablesaw}): those classes refer to each other in their
     * static initialisers, and two threads initialising them from different ends wait on each other forever.
     */
    private static void warmUpTablesaw() {
        if (!TABLESAW_STARTED.compareAndSet(false, true)) return;
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                Table.create("warm-up").addColumns(InstantColumn.create("ts"), IntColumn.create("i"), LongColumn.create("l"),
                        DoubleColumn.create("d"), StringColumn.create("s"));
                StringColumnType.missingValueIndicator();
                tech.tablesaw.columns.instant.InstantColumnType.missingValueIndicator();
            } finally {
                TABLESAW_READY.countDown();
            }
            if (DEBUG) System.err.printf("tablesaw init %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        }, "orbit-tablesaw-init");
        t.setDaemon(true);
        t.start();
    }

    private static void awaitTablesaw() {
        boolean interrupted = false;
        while (true) {
            try {
                TABLESAW_READY.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    static TableBuilder eventsTable() {
        return new TableBuilder().declare("ts", TableBuilder.Kind.INSTANT).declare("host", TableBuilder.Kind.STRING)
                .declare("event", TableBuilder.Kind.STRING).declare("gpu", TableBuilder.Kind.INT)
                .declare("source", TableBuilder.Kind.STRING).declare("reason", TableBuilder.Kind.STRING);
    }

    /** Files from this size on are parsed in parts, each on its own thread; below it a thread costs more than it saves. */
    static final long PARALLEL_MIN = 32L << 20;

    /** Reads the file; bad lines are skipped and reported, never thrown. A missing file is an OrbitException. */
    public static Audit load(Path file) {
        long size = size(file);
        int cores = Runtime.getRuntime().availableProcessors();
        int parts = size < PARALLEL_MIN ? 1 : (int) Math.max(1, Math.min(Math.min(cores, 4), size / (PARALLEL_MIN / 2)));
        return load(file, size, parts);
    }

    /** As {@link #load(Path)}, with the file cut into {@code parts} pieces at line breaks (for tests: any size). */
    static Audit load(Path file, int parts) {
        return load(file, size(file), parts);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            throw new OrbitException("no GPU audit at " + file + ": the run recorded none, or sync the bundle first (`orbit sync NAME`)");
        } catch (IOException e) {
            throw new OrbitException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * The file is cut at line breaks into {@code parts} pieces of about the same size; each is read into its own
     * row arrays (the first on the calling thread), then the others are copied after the first's. A piece starts
     * at a line's first byte and ends after a "\n", so every line is read exactly as it would be in one pass: line
     * numbers in the report are the piece's plus the lines before it, byte offsets are the file's. A piece whose
     * read failed ends the load there, as one pass would.
     */
    private static Audit load(Path file, long size, int parts) {
        long t0 = System.nanoTime();
        warmUpTablesaw();
        double rate = rowsPerByte(file, size);
        FileChannel ch;
        try {
            ch = FileChannel.open(file);
        } catch (IOException e) {
            AuditLoader none = new AuditLoader(file, 16);
            none.report.warn("read stopped early: " + e.getMessage());
            return none.finish();
        }
        try (ch) {
            long[] at = splits(ch, size, Math.max(1, parts));
            int k = at.length - 1;
            AuditLoader[] loaders = new AuditLoader[k];
            // the first piece's arrays are sized for the whole file: the others are copied in after it
            for (int i = 0; i < k; i++) loaders[i] = new AuditLoader(file, capacity(i == 0 ? size : at[i + 1] - at[i], rate));
            Thread[] threads = new Thread[k];
            Throwable[] failed = new Throwable[k];
            for (int i = 1; i < k; i++) {
                int part = i;
                // the last piece reads to the end of the file, which a running sampler may have made longer
                long from = at[i], to = i == k - 1 ? Long.MAX_VALUE : at[i + 1];
                threads[i] = new Thread(() -> {
                    try {
                        loaders[part].read(ch, from, to);
                    } catch (Throwable e) {
                        failed[part] = e;
                    }
                }, "orbit-audit-parse-" + i);
                threads[i].setDaemon(true);
                threads[i].start();
            }
            loaders[0].read(ch, 0, k == 1 ? Long.MAX_VALUE : at[1]);
            boolean interrupted = false;
            for (int i = 1; i < k; i++) {
                while (true) {
                    try {
                        threads[i].join();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true; // the parts hold the channel: wait for them, then pass the interrupt on
                    }
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            for (Throwable e : failed) {
                if (e instanceof RuntimeException r) throw r;
                if (e instanceof Error r) throw r;
            }
            AuditLoader all = loaders[0];
            for (int i = 1; i < k && !all.readFailed; i++) all.absorb(loaders[i]);
            all.report.lines = all.lines;
            all.tStart = t0;
            all.tScanned = System.nanoTime();
            return all.finish();
        } catch (IOException e) {
            throw new OrbitException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Where each piece starts: 0, then just after the first "\n" at or past each i/parts of the file, then the size. */
    private static long[] splits(FileChannel ch, long size, int parts) throws IOException {
        long[] at = new long[parts + 1];
        int k = 0;
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        for (int i = 1; i < parts; i++) {
            long pos = Math.max(at[k], size / parts * i);
            long cut = -1;
            while (cut < 0 && pos < size) {
                b.clear();
                int r = ch.read(b, pos);
                if (r <= 0) break;
                for (int j = 0; j < r; j++) {
                    if (b.get(j) == '\n') {
                        cut = pos + j + 1;
                        break;
                    }
                }
                pos += r;
            }
            if (cut > at[k] && cut < size) at[++k] = cut;
        }
        at[++k] = size;
        return Arrays.copyOf(at, k + 1);
    }

    /** Reads bytes [from, to) of the file (to the end when {@code to} is past it) into this loader's rows. */
    private void read(FileChannel ch, long from, long to) {
        JsonLinesScanner scanner = new JsonLinesScanner(new JsonLinesScanner.Sink() {
            @Override
            public void object(JsonParser p) throws IOException {
                AuditLoader.this.object(p);
            }

            @Override
            public void commit(byte[] buf, int off, int len, long lineNo) {
                AuditLoader.this.commit(buf, off, len, lineNo);
            }

            @Override
            public void line(byte[] buf, int off, int len, long lineNo, long byteOffset, boolean lastWithoutNewline) {
                AuditLoader.this.line(buf, off, len, lineNo, byteOffset, lastWithoutNewline);
            }
        });
        try {
            scanner.run(new Slice(ch, from, to), from);
        } catch (IOException e) {
            report.warn("read stopped early: " + e.getMessage());
            readFailed = true;
        }
        lines = scanner.lines();
    }

    /** Bytes [pos, end) of a file through positional reads, so several pieces can share one channel. */
    private static final class Slice extends InputStream {
        private final FileChannel ch;
        private long pos;
        private final long end;

        Slice(FileChannel ch, long from, long to) {
            this.ch = ch;
            this.pos = from;
            this.end = to;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (pos >= end) return -1;
            int r = ch.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
            if (r > 0) pos += r;
            return r;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
        }
    }

    /**
     * Takes the rows, events and remarks of the piece after this one's: line numbers in its remarks counted from
     * its first line become the file's.
     */
    private void absorb(AuditLoader next) {
        long before = lines;
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
        events.append(next.events);
        LoadReport.Builder r = next.report;
        report.corrupt += r.corrupt;
        for (long line : r.corruptNumbers) {
            if (report.corruptNumbers.size() < LoadReport.MAX_LISTED) report.corruptNumbers.add(line + before);
        }
        if (r.truncated != null) {
            report.truncated = new LoadReport.Truncation(r.truncated.lineNumber() + before, r.truncated.byteOffset(), r.truncated.length());
        }
        for (String w : r.warnings) report.warn(w);
        for (String key : next.unknownKeys) if (unknownKeys.size() < 20) unknownKeys.add(key);
        coerced += next.coerced;
        lines += next.lines;
        readFailed = next.readFailed;
        tEvents += next.tEvents;
    }

    // ---- the block parser's way: objects straight from one parser over many lines ----

    private void object(JsonParser p) throws IOException {
        if (n == ts.length) grow();
        clearRow();
        pendingEvent = fields(p);
    }

    private void commit(byte[] buf, int off, int len, long lineNo) {
        keep(buf, off, len, lineNo);
    }

    // ---- one line on its own: around a parse error, and the last line without a newline ----

    private void line(byte[] buf, int off, int len, long lineNo, long byteOffset, boolean lastWithoutNewline) {
        if (n == ts.length) grow();
        clearRow();
        try (JsonParser p = JsonLinesScanner.FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not an object");
            pendingEvent = fields(p);
            if (p.currentToken() != JsonToken.END_OBJECT) throw new IOException("unterminated object");
            if (p.nextToken() != null) throw new IOException("trailing content");
        } catch (IOException | RuntimeException e) {
            clearRow();
            if (lastWithoutNewline) report.truncated = new LoadReport.Truncation(lineNo, byteOffset, len);
            else report.corrupt(lineNo);
            return;
        }
        if (lastWithoutNewline && !pendingEvent) report.warn("last line has no newline (kept: it parsed)");
        keep(buf, off, len, lineNo);
    }

    private void keep(byte[] buf, int off, int len, long lineNo) {
        coerced += rowCoerced;
        if (pendingEvent) event(buf, off, len, lineNo);
        else n++;
    }

    private void clearRow() {
        for (int[] a : ints) a[n] = MISSING_INT;
        for (double[] a : doubles) a[n] = Double.NaN;
        for (String[] a : strings) a[n] = null;
        ts[n] = MISSING_LONG;
        throttle[n] = MISSING_LONG;
        rowCoerced = 0;
    }

    /** Reads one object (the parser is on its START_OBJECT) into row n; true when it is an event line (row n is then left unused). */
    private boolean fields(JsonParser p) throws IOException {
        boolean event = false;
        String field;
        int k = 0;
        while ((field = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            // a writer puts the keys in the same order on every line, and Jackson hands out one canonical String
            // per name: comparing references with the previous line's keys saves a map lookup per value
            int id;
            if (k < seenNames.length && seenNames[k] == field) {
                id = seenIds[k];
            } else {
                Integer known = FIELDS.get(field);
                id = known == null ? 0 : known;
                if (k < seenNames.length) {
                    seenNames[k] = field;
                    seenIds[k] = id;
                }
            }
            k++;
            if (id == 0) {
                if (unknownKeys.size() < 20) unknownKeys.add(field);
                p.skipChildren();
                continue;
            }
            int slot = id & 0xff;
            switch (id & ~0xff) {
                case K_INT -> ints[slot][n] = intValue(p, t);
                case K_DOUBLE -> doubles[slot][n] = doubleValue(p, t);
                case K_STRING -> strings[slot][n] = stringValue(p, t, slot);
                case K_TS -> ts[n] = t == JsonToken.VALUE_STRING ? packedInstant(p) : skip(p);
                case K_THROTTLE -> throttle[n] = longValue(p, t);
                case K_PROCS -> procs(p, t);
                case K_NAMES -> strings[slot][n] = names(p, t, slot);
                case K_EVENT -> {
                    event = true;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        return event;
    }

    private static long skip(JsonParser p) throws IOException {
        p.skipChildren();
        return MISSING_LONG;
    }

    private int intValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT:
                if (p.getNumberType() == JsonParser.NumberType.INT) return p.getIntValue();
                long l = p.getLongValue();
                return l > Integer.MAX_VALUE || l <= Integer.MIN_VALUE ? MISSING_INT : (int) l;
            case VALUE_NUMBER_FLOAT:
                return (int) Math.round(p.getDoubleValue());
            case VALUE_NULL:
                return MISSING_INT;
            case VALUE_STRING: {
                Double d = Units.number(p.getText());
                rowCoerced++;
                return d == null ? MISSING_INT : (int) Math.round(d);
            }
            default:
                p.skipChildren();
                rowCoerced++;
                return MISSING_INT;
        }
    }

    private long longValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? MISSING_LONG : p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return Math.round(p.getDoubleValue());
            case VALUE_NULL:
                return MISSING_LONG;
            case VALUE_STRING: {
                Double d = Units.number(p.getText());
                rowCoerced++;
                return d == null ? MISSING_LONG : Math.round(d);
            }
            default:
                p.skipChildren();
                rowCoerced++;
                return MISSING_LONG;
        }
    }

    private double doubleValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_NULL:
                return Double.NaN;
            case VALUE_STRING: {
                Double d = Units.number(p.getText());
                rowCoerced++;
                return d == null ? Double.NaN : d;
            }
            default:
                p.skipChildren();
                rowCoerced++;
                return Double.NaN;
        }
    }

    private String stringValue(JsonParser p, JsonToken t, int slot) throws IOException {
        if (t == JsonToken.VALUE_STRING) return pools[slot].get(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        if (t == JsonToken.VALUE_NULL) return null;
        if (t.isScalarValue()) return p.getText();
        p.skipChildren();
        rowCoerced++;
        return null;
    }

    private String names(JsonParser p, JsonToken t, int slot) throws IOException {
        if (t != JsonToken.START_ARRAY) return stringValue(p, t, slot);
        names.setLength(0);
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e == null) throw new IOException("unterminated array");
            if (e.isStructStart()) {
                p.skipChildren();
                continue;
            }
            if (names.length() > 0) names.append(',');
            names.append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        }
        int len = names.length();
        if (nameChars.length < len) nameChars = new char[len * 2];
        names.getChars(0, len, nameChars, 0);
        return pools[slot].get(nameChars, 0, len);
    }

    private static final int PROC_COUNT = Arrays.asList(INT_COLUMNS).indexOf("proc_count");
    private static final int PROC_MEM = Arrays.asList(INT_COLUMNS).indexOf("proc_mem_mib");

    private void procs(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        int count = 0;
        long mem = 0;
        boolean anyMem = false;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e == null) throw new IOException("unterminated array");
            if (e != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            count++;
            String f;
            while ((f = p.nextFieldName()) != null) {
                JsonToken v = p.nextToken();
                if ("mem_mib".equals(f) && v.isNumeric()) {
                    mem += p.getLongValue();
                    anyMem = true;
                } else {
                    p.skipChildren();
                }
            }
        }
        ints[PROC_COUNT][n] = count;
        ints[PROC_MEM][n] = anyMem ? (int) Math.min(Integer.MAX_VALUE, mem) : (count == 0 ? 0 : MISSING_INT);
    }

    /**
     * "2026-11-28T18:01:02.123Z" read digit by digit from the parser's buffer into Tablesaw's packed form;
     * anything else goes through {@link Units#instant}.
     */
    private long packedInstant(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int o = p.getTextOffset();
        int len = p.getTextLength();
        if ((len == 24 || len == 20) && c[o + 4] == '-' && c[o + 7] == '-' && c[o + 10] == 'T' && c[o + 13] == ':'
                && c[o + 16] == ':' && c[o + len - 1] == 'Z' && (len == 20 || c[o + 19] == '.')) {
            int y = digits(c, o, 4), mo = digits(c, o + 5, 2), d = digits(c, o + 8, 2);
            int h = digits(c, o + 11, 2), mi = digits(c, o + 14, 2), s = digits(c, o + 17, 2);
            int ms = len == 24 ? digits(c, o + 20, 3) : 0;
            if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60 && ms >= 0) {
                return PackedInstant.create(PackedLocalDate.pack(y, mo, d), PackedLocalTime.of(h, mi, s, ms));
            }
        }
        Instant i = Units.instant(new String(c, o, len));
        if (i == null) {
            rowCoerced++;
            return MISSING_LONG;
        }
        return PackedInstant.pack(i);
    }

    private static int digits(char[] c, int o, int count) {
        int v = 0;
        for (int i = 0; i < count; i++) {
            int d = c[o + i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    private long tEvents;

    /**
     * An event line (rare: sampler start/stop, XID, a lost GPU) read again from its bytes with the streaming
     * parser into the events table. Not through databind: loading databind for the first line of every file
     * cost a fifth of a second in a fresh JVM. Nested values are kept as compact JSON text.
     */
    private void event(byte[] buf, int off, int len, long lineNo) {
        long t0 = DEBUG ? System.nanoTime() : 0;
        events.beginRow();
        try (JsonParser p = JsonLinesScanner.FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not an object");
            String k;
            while ((k = p.nextFieldName()) != null) {
                JsonToken t = p.nextToken();
                events.set(k, k.equals("ts") ? eventInstant(p, t) : scalar(p, t));
            }
            events.endRow();
        } catch (IOException | RuntimeException e) {
            events.abandonRow();
            report.corrupt(lineNo);
        }
        if (DEBUG) tEvents += System.nanoTime() - t0;
    }

    private static Instant eventInstant(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            char[] c = p.getTextCharacters();
            int o = p.getTextOffset(), len = p.getTextLength();
            Instant fast = isoZ(c, o, len);
            return fast != null ? fast : Units.instant(new String(c, o, len));
        }
        if (t.isScalarValue()) return Units.instant(p.getText());
        p.skipChildren();
        return null;
    }

    /** "2026-11-28T18:01:02.123Z" (or without millis) as an Instant without a DateTimeFormatter; null for any other shape. */
    private static Instant isoZ(char[] c, int o, int len) {
        if (!((len == 24 || len == 20) && c[o + 4] == '-' && c[o + 7] == '-' && c[o + 10] == 'T' && c[o + 13] == ':'
                && c[o + 16] == ':' && c[o + len - 1] == 'Z' && (len == 20 || c[o + 19] == '.'))) return null;
        int y = digits(c, o, 4), mo = digits(c, o + 5, 2), d = digits(c, o + 8, 2);
        int h = digits(c, o + 11, 2), mi = digits(c, o + 14, 2), s = digits(c, o + 17, 2);
        int ms = len == 24 ? digits(c, o + 20, 3) : 0;
        if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h >= 24 || mi < 0 || mi >= 60 || s < 0 || s >= 60 || ms < 0) return null;
        try {
            long day = java.time.LocalDate.of(y, mo, d).toEpochDay();
            return Instant.ofEpochSecond(day * 86400 + h * 3600L + mi * 60L + s, ms * 1_000_000L);
        } catch (java.time.DateTimeException e) {
            return null; // 2026-02-30
        }
    }

    /** The value under the parser as what {@link TableBuilder} takes; objects and arrays as compact JSON text. */
    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NULL:
                return null;
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? (Object) p.getDoubleValue() : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_STRING:
                return p.getText();
            default: {
                java.io.StringWriter w = new java.io.StringWriter();
                try (com.fasterxml.jackson.core.JsonGenerator g = JsonLinesScanner.FACTORY.createGenerator(w)) {
                    g.copyCurrentStructure(p);
                }
                return w.toString();
            }
        }
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

    private StringColumn[] stringsPending;
    private final AtomicInteger nextString = new AtomicInteger();
    private volatile RuntimeException stringsFailed;

    /** Builds string columns not yet taken by another thread, one at a time, dropping each row array once done. */
    private void buildStringColumns() {
        String missing = StringColumnType.missingValueIndicator();
        try {
            int i;
            while ((i = nextString.getAndIncrement()) < STRING_COLUMNS.length) {
                String[] a = strings[i];
                strings[i] = null;
                StringColumn sc = StringColumn.create(STRING_COLUMNS[i]);
                for (int r = 0; r < n; r++) sc.append(a[r] == null ? missing : a[r]);
                stringsPending[i] = sc;
            }
        } catch (RuntimeException e) {
            stringsFailed = e;
        }
    }

    private Audit finish() {
        awaitTablesaw();
        Table t = Table.create("nvml-audit");
        long tTable = System.nanoTime();
        // Tablesaw's dictionary append per row makes the string columns the slowest to build: on a large file a
        // second thread starts on them while this one makes the numeric columns, then both share what is left
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
        long tNum = System.nanoTime();
        buildStringColumns();
        if (helper != null) {
            boolean interrupted = false;
            while (true) {
                try {
                    helper.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }
        if (stringsFailed != null) throw stringsFailed;
        for (int i = 0; i < STRING_COLUMNS.length; i++) cols.put(STRING_COLUMNS[i], stringsPending[i]);
        long tStr = System.nanoTime();
        for (String name : ORDER) t.addColumns(cols.get(name));
        report.rows = n;
        if (DEBUG) {
            long now = System.nanoTime();
            System.err.printf("audit load: parse %d ms (events %d ms), columns %d ms (table %d, numbers %d, strings %d), %d rows%n",
                    (tScanned - tStart) / 1_000_000, tEvents / 1_000_000, (now - tScanned) / 1_000_000, (tTable - tScanned) / 1_000_000,
                    (tNum - tTable) / 1_000_000, (tStr - tNum) / 1_000_000, n);
        }
        if (!unknownKeys.isEmpty()) report.warn("keys not in orbit.nvml_audit.v1 ignored: " + String.join(", ", new TreeSet<>(unknownKeys)));
        if (coerced > 0) report.warn(coerced + " values of the wrong type read as numbers or left empty");
        return new Audit(t, events.build("nvml-audit-events"), report.build());
    }
}
