package orbit.artifacts;

import orbit.OrbitException;
import orbit.nvml.AuditSchema;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.InstantColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.strings.StringColumnType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Loads an orbit.nvml_audit.v1 JSON Lines file. A day of 8 GPUs at 1 Hz is 691,200 lines, so this reads
 * bytes in large blocks, cuts a large file into pieces read on their own threads, reads plain sample lines
 * straight from their bytes and every other line with Jackson's streaming parser (so one bad line costs one
 * line), and writes straight into primitive arrays; Tablesaw columns are made once at the end. No map or string
 * per cell: repeated strings come from a {@link StringPool}, timestamps are parsed digit by digit.
 * <p>
 * This class cuts the file and runs the pieces; each piece is an {@link AuditPiece}, whose rows are
 * {@link AuditColumns} filled by {@link PlainAuditLine} or {@link JacksonAuditLine}, and whose event lines go
 * to {@link AuditEvents}.
 */
public final class AuditLoader {
    /**
     * Columns of the samples table, by kind and in order, all from {@link AuditSchema}: every key a writer writes is
     * a column. procs [{pid, mem_mib}] becomes proc_count and proc_mem_mib.
     */
    public static final String[] INT_COLUMNS = Stream.concat(keys(AuditSchema.Type.INT), Stream.of("proc_count", "proc_mem_mib"))
            .toArray(String[]::new);
    public static final String[] DOUBLE_COLUMNS = keys(AuditSchema.Type.NUMBER).toArray(String[]::new);
    public static final String[] STRING_COLUMNS = Stream.of(AuditSchema.Type.STRING, AuditSchema.Type.STRING_LIST, AuditSchema.Type.ERRORS)
            .flatMap(AuditLoader::keys).toArray(String[]::new);
    public static final String[] ORDER = AuditSchema.columns().toArray(String[]::new);

    private static Stream<String> keys(AuditSchema.Type type) {
        return AuditSchema.SAMPLE_KEYS.stream().filter(k -> k.type() == type).map(AuditSchema.Key::name);
    }

    private AuditLoader() {
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
    static final boolean DEBUG = Boolean.getBoolean("orbit.audit.debug");

    private static final AtomicBoolean TABLESAW_STARTED = new AtomicBoolean();
    private static final CountDownLatch TABLESAW_READY = new CountDownLatch(1);

    /**
     * Tablesaw's first use in a JVM costs a few tenths of a second even narrowed ({@link TablesawFirstUse}: its
     * Table class registers its readers and writers, found by a class-path scan). Starting that on another thread while the file is parsed takes it off a
     * first load. That thread also initialises the column type classes, and nothing here touches Tablesaw's
     * tables or columns until it is done ({@link #awaitTablesaw}): those classes refer to each other in their
     * static initialisers, and two threads initialising them from different ends wait on each other forever.
     */
    private static void warmUpTablesaw() {
        if (!TABLESAW_STARTED.compareAndSet(false, true)) return;
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                TablesawFirstUse.run();
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

    static void awaitTablesaw() {
        uninterruptibly(TABLESAW_READY::await);
    }

    interface Wait {
        void await() throws InterruptedException;
    }

    /**
     * Waits for work that holds this load's state (the file channel, the row arrays) even when interrupted: giving
     * up would leave it running on that state. The interrupt is passed on once the wait is over.
     */
    static void uninterruptibly(Wait wait) {
        boolean interrupted = false;
        while (true) {
            try {
                wait.await();
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
            throw new OrbitException("no GPU audit at " + file + ": the run recorded none, or fetch it from the host first (`orbit launch pull NAME`)");
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
            AuditPiece none = new AuditPiece(file, 16, plainLines);
            none.stoppedEarly(e);
            return none.finish(t0);
        }
        try (ch) {
            long[] at = splits(ch, size, Math.max(1, parts));
            int k = at.length - 1;
            AuditPiece[] pieces = new AuditPiece[k];
            // the first piece's arrays are sized for the whole file: the others are copied in after it
            for (int i = 0; i < k; i++) pieces[i] = new AuditPiece(file, capacity(i == 0 ? size : at[i + 1] - at[i], rate), plainLines);
            Thread[] threads = new Thread[k];
            Throwable[] failed = new Throwable[k];
            for (int i = 1; i < k; i++) {
                int part = i;
                // the last piece reads to the end of the file, which a running sampler may have made longer
                long from = at[i], to = i == k - 1 ? Long.MAX_VALUE : at[i + 1];
                threads[i] = new Thread(() -> {
                    try {
                        pieces[part].read(new Slice(ch, from, to), from);
                    } catch (Throwable e) {
                        failed[part] = e;
                    }
                }, "orbit-audit-parse-" + i);
                threads[i].setDaemon(true);
                threads[i].start();
            }
            pieces[0].read(new Slice(ch, 0, k == 1 ? Long.MAX_VALUE : at[1]), 0);
            for (int i = 1; i < k; i++) uninterruptibly(threads[i]::join);
            for (Throwable e : failed) {
                if (e instanceof RuntimeException r) throw r;
                if (e instanceof Error r) throw r;
            }
            AuditPiece all = pieces[0];
            for (int i = 1; i < k && !all.readFailed(); i++) all.absorb(pieces[i]);
            return all.finish(t0);
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

    static long threadCpu() {
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
}
