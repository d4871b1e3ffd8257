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
 * bytes in large blocks, cuts a large file into pieces read on their own threads, reads plain sample lines
 * straight from their bytes and every other line with Jackson's streaming parser (so one bad line costs one
 * line), and writes straight into primitive arrays; Tablesaw columns are made once at the end. No map or string
 * per cell: repeated strings come from a {@link StringPool}, timestamps are parsed digit by digit.
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
    private boolean plainLines = true;
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
            if (DEBUG) System.err.printf("tablesaw init %d ms, its thread's CPU %d ms%n", (System.nanoTime() - t0) / 1_000_000, threadCpu() / 1_000_000);
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
        return load(file, size, parts, true);
    }

    /**
     * As {@link #load(Path)}, with the file cut into {@code parts} pieces at line breaks (any size), and with
     * {@code plainLines} false every line read by Jackson (for tests that compare the ways).
     */
    static Audit load(Path file, int parts, boolean plainLines) {
        return load(file, size(file), parts, plainLines);
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
    private static Audit load(Path file, long size, int parts, boolean plainLines) {
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
            for (int i = 0; i < k; i++) {
                loaders[i] = new AuditLoader(file, capacity(i == 0 ? size : at[i + 1] - at[i], rate));
                loaders[i].plainLines = plainLines;
            }
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

            @Override
            public int plain(byte[] buf, int pos, int to) {
                return AuditLoader.this.plain(buf, pos);
            }
        });
        if (!plainLines) scanner.jacksonOnly();
        long c0 = DEBUG ? threadCpu() : 0, t0 = DEBUG ? System.nanoTime() : 0;
        try {
            scanner.run(new Slice(ch, from, to), from);
        } catch (IOException e) {
            report.warn("read stopped early: " + e.getMessage());
            readFailed = true;
        }
        lines = scanner.lines();
        if (DEBUG) {
            System.err.printf("  piece at byte %d: %d ms, thread CPU %d ms, %s%n", from, (System.nanoTime() - t0) / 1_000_000,
                    (threadCpu() - c0) / 1_000_000, scanner.plainStats());
        }
    }

    private static long threadCpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
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

    // ---- the plain way: the common line shape read straight from its bytes ----

    /**
     * Thrown (one shared instance, no stack trace) where a line leaves the plain shape that {@link #plain} reads:
     * an event, a key not in the schema, an escape or non-ASCII text, a number with an exponent or more digits
     * than a long or a double holds exactly, a value of another type than its column's, an object spread over
     * lines, anything that is not JSON. Jackson then reads that line, so every rule about such lines (coercion,
     * corrupt lines, unknown keys) stays in one place.
     */
    private static final class NotPlain extends Exception {
        NotPlain() {
            super(null, null, false, false);
        }
    }

    private static final NotPlain NOT_PLAIN = new NotPlain();
    private static final String[] KEY_NAMES;
    private static final int[] KEY_IDS;

    static {
        KEY_NAMES = FIELDS.keySet().toArray(new String[0]);
        KEY_IDS = new int[KEY_NAMES.length];
        for (int i = 0; i < KEY_NAMES.length; i++) KEY_IDS[i] = FIELDS.get(KEY_NAMES[i]);
    }

    private static final byte[] MEM_MIB = "mem_mib".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Powers of ten up to 10^22, each exactly a double. */
    private static final double[] POW10 = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++, p *= 10) POW10[i] = p;
    }

    // the previous plain line's keys in order (as bytes) and their field ids: most lines repeat them
    private final byte[][] orderKeys = new byte[64][];
    private final int[] orderIds = new int[64];
    private int at; // the plain reader's position in the line
    private byte[] nameBytes = new byte[64];

    /**
     * Reads the line at {@code pos} into a new row if it is a plain sample line: one object of schema keys with
     * numbers, ASCII strings without escapes, null, string arrays (throttle_reason_names) and objects of numbers
     * (procs), spaces or tabs between tokens. Returns the index of the line break after it, or -1 (no row kept).
     * The values equal what Jackson gives for the same text: integers of up to 18 digits, decimals of up to 15
     * significant digits (a long over an exact power of ten, which IEEE division rounds correctly, as Jackson's
     * parser does); anything else is left to Jackson.
     */
    private int plain(byte[] b, int pos) {
        if (n == ts.length) grow();
        clearRow();
        try {
            at = pos;
            space(b);
            if (b[at] != '{') return -1;
            at++;
            space(b);
            if (b[at] == '}') {
                at++;
            } else {
                for (int k = 0; ; k++) {
                    int id = plainKey(b, k);
                    space(b);
                    if (b[at] != ':') return -1;
                    at++;
                    space(b);
                    plainValue(b, id);
                    space(b);
                    byte c = b[at++];
                    if (c == '}') break;
                    if (c != ',') return -1;
                    space(b);
                }
            }
            space(b);
            byte c = b[at];
            if (c != '\n' && c != '\r') return -1;
            n++;
            return at;
        } catch (NotPlain e) {
            return -1;
        }
    }

    private void space(byte[] b) {
        while (b[at] == ' ' || b[at] == '\t') at++;
    }

    /** The key at {@code at} (on its opening quote), the {@code k}-th of its line: its field id; past its closing quote. */
    private int plainKey(byte[] b, int k) throws NotPlain {
        if (b[at] != '"') throw NOT_PLAIN;
        int s = ++at;
        if (k < orderKeys.length) {
            byte[] want = orderKeys[k];
            if (want != null && sameBytes(b, s, want)) {
                at = s + want.length + 1;
                return orderIds[k];
            }
        }
        int e = plainStringEnd(b, s);
        at = e + 1;
        for (int i = 0; i < KEY_NAMES.length; i++) {
            String name = KEY_NAMES[i];
            if (name.length() == e - s && sameText(name, b, s)) {
                int id = KEY_IDS[i];
                if (id == K_EVENT) throw NOT_PLAIN;
                if (k < orderKeys.length) {
                    orderKeys[k] = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    orderIds[k] = id;
                }
                return id;
            }
        }
        throw NOT_PLAIN; // not in the schema: Jackson's way lists it in the report
    }

    /** True when the bytes at {@code s} are {@code want} followed by a closing quote. */
    private static boolean sameBytes(byte[] b, int s, byte[] want) {
        for (int i = 0; i < want.length; i++) if (b[s + i] != want[i]) return false;
        return b[s + want.length] == '"';
    }

    private static boolean sameText(String name, byte[] b, int s) {
        for (int i = 0; i < name.length(); i++) if (b[s + i] != name.charAt(i)) return false;
        return true;
    }

    /** From just after an opening quote: the index of the closing quote of a string of printable ASCII without escapes. */
    private static int plainStringEnd(byte[] b, int s) throws NotPlain {
        int i = s;
        byte c;
        while ((c = b[i]) != '"') {
            if (c < 0x20 || c == '\\') throw NOT_PLAIN; // control characters end the line; non-ASCII bytes are negative
            i++;
        }
        return i;
    }

    private void plainValue(byte[] b, int id) throws NotPlain {
        int slot = id & 0xff;
        switch (id & ~0xff) {
            case K_INT -> {
                if (plainNull(b)) return; // already missing
                long v = plainLong(b);
                ints[slot][n] = v > Integer.MAX_VALUE || v < Integer.MIN_VALUE ? MISSING_INT : (int) v;
            }
            case K_DOUBLE -> {
                if (!plainNull(b)) doubles[slot][n] = plainDouble(b);
            }
            case K_STRING -> {
                if (!plainNull(b)) strings[slot][n] = plainString(b, slot);
            }
            case K_TS -> {
                if (!plainNull(b)) ts[n] = plainInstant(b);
            }
            case K_THROTTLE -> {
                if (!plainNull(b)) throttle[n] = plainLong(b);
            }
            case K_PROCS -> {
                if (!plainNull(b)) plainProcs(b);
            }
            case K_NAMES -> {
                if (!plainNull(b)) strings[slot][n] = b[at] == '[' ? plainNames(b, slot) : plainString(b, slot);
            }
            default -> throw NOT_PLAIN;
        }
    }

    private boolean plainNull(byte[] b) {
        if (b[at] == 'n' && b[at + 1] == 'u' && b[at + 2] == 'l' && b[at + 3] == 'l') {
            at += 4;
            return true;
        }
        return false;
    }

    /** A JSON integer of at most 18 digits. */
    private long plainLong(byte[] b) throws NotPlain {
        boolean neg = b[at] == '-';
        if (neg) at++;
        int s = at;
        long v = 0;
        int d = b[at] - '0';
        if (d < 0 || d > 9) throw NOT_PLAIN;
        if (d == 0) {
            at++;
        } else {
            while ((d = b[at] - '0') >= 0 && d <= 9) {
                v = v * 10 + d;
                at++;
            }
        }
        byte c = b[at];
        if (at - s > 18 || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9')) throw NOT_PLAIN;
        return neg ? -v : v;
    }

    /**
     * A JSON number of at most 15 significant digits and a power of ten within 22, as the nearest double: both the
     * digits and the power are exact doubles, so one IEEE multiplication or division rounds correctly, as Jackson's
     * parser does.
     */
    private double plainDouble(byte[] b) throws NotPlain {
        boolean neg = b[at] == '-';
        if (neg) at++;
        int s = at;
        long m = 0;
        int d = b[at] - '0';
        if (d < 0 || d > 9) throw NOT_PLAIN;
        if (d == 0) {
            at++;
        } else {
            while ((d = b[at] - '0') >= 0 && d <= 9) {
                m = m * 10 + d;
                at++;
            }
        }
        int digits = at - s;
        int scale = 0;
        if (b[at] == '.') {
            int f = ++at;
            while ((d = b[at] - '0') >= 0 && d <= 9) {
                m = m * 10 + d;
                at++;
            }
            scale = at - f;
            if (scale == 0) throw NOT_PLAIN;
            digits += scale;
        }
        if (digits > 15) throw NOT_PLAIN;
        byte c = b[at];
        if (c == 'e' || c == 'E') { // 5.61234567E7, as Java's Double.toString writes from 10^7 on
            c = b[++at];
            boolean negExp = c == '-';
            if (c == '-' || c == '+') at++;
            int e = 0, f = at;
            while ((d = b[at] - '0') >= 0 && d <= 9 && at - f < 4) {
                e = e * 10 + d;
                at++;
            }
            if (at == f || (d >= 0 && d <= 9)) throw NOT_PLAIN;
            scale -= negExp ? -e : e;
        } else if (scale == 0) {
            if (c >= '0' && c <= '9') throw NOT_PLAIN;
            return (double) (neg ? -m : m); // an integer: Jackson converts the long, so "-0" is 0.0
        }
        if (scale > 22 || scale < -22) throw NOT_PLAIN;
        double v = scale >= 0 ? m / POW10[scale] : m * POW10[-scale];
        return neg ? -v : v;
    }

    private String plainString(byte[] b, int slot) throws NotPlain {
        if (b[at] != '"') throw NOT_PLAIN;
        int s = at + 1;
        int e = plainStringEnd(b, s);
        at = e + 1;
        return pools[slot].get(b, s, e - s);
    }

    /** ["a","b"] joined with commas, as {@link #names} does. */
    private String plainNames(byte[] b, int slot) throws NotPlain {
        at++;
        space(b);
        int len = 0;
        if (b[at] != ']') {
            while (true) {
                if (b[at] != '"') throw NOT_PLAIN;
                int s = at + 1;
                int e = plainStringEnd(b, s);
                at = e + 1;
                int need = len + (len > 0 ? 1 : 0) + e - s;
                if (need > nameBytes.length) nameBytes = Arrays.copyOf(nameBytes, need * 2);
                if (len > 0) nameBytes[len++] = ',';
                System.arraycopy(b, s, nameBytes, len, e - s);
                len += e - s;
                space(b);
                byte c = b[at++];
                if (c == ']') break;
                if (c != ',') throw NOT_PLAIN;
                space(b);
            }
        } else {
            at++;
        }
        return pools[slot].get(nameBytes, 0, len);
    }

    /** [{"pid":1,"mem_mib":2}, ...]: the count and the sum of mem_mib, as {@link #procs} does. */
    private void plainProcs(byte[] b) throws NotPlain {
        if (b[at] != '[') throw NOT_PLAIN;
        at++;
        space(b);
        int count = 0;
        long mem = 0;
        boolean anyMem = false;
        if (b[at] == ']') {
            at++;
        } else {
            while (true) {
                if (b[at] != '{') throw NOT_PLAIN;
                at++;
                count++;
                space(b);
                if (b[at] == '}') {
                    at++;
                } else {
                    while (true) {
                        if (b[at] != '"') throw NOT_PLAIN;
                        int s = at + 1;
                        int e = plainStringEnd(b, s);
                        at = e + 1;
                        space(b);
                        if (b[at] != ':') throw NOT_PLAIN;
                        at++;
                        space(b);
                        boolean isMem = e - s == MEM_MIB.length && sameBytes(b, s, MEM_MIB);
                        if (plainNull(b)) {
                            // not a number: not counted
                        } else if (b[at] == '"') {
                            at = plainStringEnd(b, at + 1) + 1;
                            if (isMem) throw NOT_PLAIN; // Jackson's way decides
                        } else {
                            long v = plainLong(b);
                            if (isMem) {
                                mem += v;
                                anyMem = true;
                            }
                        }
                        space(b);
                        byte c = b[at++];
                        if (c == '}') break;
                        if (c != ',') throw NOT_PLAIN;
                        space(b);
                    }
                }
                space(b);
                byte c = b[at++];
                if (c == ']') break;
                if (c != ',') throw NOT_PLAIN;
                space(b);
            }
        }
        ints[PROC_COUNT][n] = count;
        ints[PROC_MEM][n] = anyMem ? (int) Math.min(Integer.MAX_VALUE, mem) : (count == 0 ? 0 : MISSING_INT);
    }

    /** "2026-11-28T18:01:02.123Z" (or without millis) in Tablesaw's packed form, as {@link #packedInstant} reads it. */
    private long plainInstant(byte[] b) throws NotPlain {
        if (b[at] != '"') throw NOT_PLAIN;
        int o = at + 1;
        int e = plainStringEnd(b, o);
        at = e + 1;
        int len = e - o;
        if ((len == 24 || len == 20) && b[o + 4] == '-' && b[o + 7] == '-' && b[o + 10] == 'T' && b[o + 13] == ':'
                && b[o + 16] == ':' && b[o + len - 1] == 'Z' && (len == 20 || b[o + 19] == '.')) {
            int y = digits(b, o, 4), mo = digits(b, o + 5, 2), d = digits(b, o + 8, 2);
            int h = digits(b, o + 11, 2), mi = digits(b, o + 14, 2), s = digits(b, o + 17, 2);
            int ms = len == 24 ? digits(b, o + 20, 3) : 0;
            if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60 && ms >= 0) {
                return PackedInstant.create(PackedLocalDate.pack(y, mo, d), PackedLocalTime.of(h, mi, s, ms));
            }
        }
        throw NOT_PLAIN; // another form: Units.instant on Jackson's way
    }

    private static int digits(byte[] c, int o, int count) {
        int v = 0;
        for (int i = 0; i < count; i++) {
            int d = c[o + i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
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
