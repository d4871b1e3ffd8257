package orbit.artifacts;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.TreeSet;

/**
 * One piece of an audit file (the whole file when it is read in one pass) read into its own rows, events and
 * remarks. As the scanner's sink it offers each line to the plain reader first and hands the rest to Jackson;
 * an object Jackson read is kept only when the scanner commits it.
 */
final class AuditPiece implements JsonLinesScanner.Sink {
    private final AuditColumns rows;
    private final PlainAuditLine plain;
    private final JacksonAuditLine json;
    private final AuditEvents events = new AuditEvents();
    private final LoadReport.Builder report;
    private final LinkedHashSet<String> unknownKeys = new LinkedHashSet<>(); // in the order met, as parts are merged
    private final boolean plainLines;
    private long lines;
    private boolean readFailed;
    private long coerced;
    private boolean pendingEvent;

    /** {@code capacity} rows to start with; with {@code plainLines} false every line is read by Jackson. */
    AuditPiece(Path file, int capacity, boolean plainLines) {
        this.report = LoadReport.builder(file);
        this.rows = new AuditColumns(capacity);
        this.plain = new PlainAuditLine(rows);
        this.json = new JacksonAuditLine(rows, unknownKeys);
        this.plainLines = plainLines;
    }

    /** Reads {@code in}, whose first byte is at byte {@code from} of the file, into this piece's rows. */
    void read(InputStream in, long from) {
        JsonLinesScanner scanner = new JsonLinesScanner(this);
        if (!plainLines) scanner.jacksonOnly();
        long c0 = AuditLoader.DEBUG ? AuditLoader.threadCpu() : 0, t0 = AuditLoader.DEBUG ? System.nanoTime() : 0;
        try {
            scanner.run(in, from);
        } catch (IOException e) {
            stoppedEarly(e);
        }
        lines = scanner.lines();
        if (AuditLoader.DEBUG) {
            System.err.printf("  piece at byte %d: %d ms, thread CPU %d ms, %s%n", from, (System.nanoTime() - t0) / 1_000_000,
                    (AuditLoader.threadCpu() - c0) / 1_000_000, scanner.plainStats());
        }
    }

    /** Ends the read here, with a warning: what was read is kept. */
    void stoppedEarly(IOException e) {
        report.warn("read stopped early: " + e.getMessage());
        readFailed = true;
    }

    boolean readFailed() {
        return readFailed;
    }

    /**
     * Takes the rows, events and remarks of the piece after this one's: line numbers in its remarks counted from
     * its first line become the file's.
     */
    void absorb(AuditPiece next) {
        long before = lines;
        rows.absorb(next.rows);
        events.absorb(next.events);
        LoadReport.Builder r = next.report;
        report.corrupt += r.corrupt;
        for (long line : r.corruptNumbers) {
            if (report.corruptNumbers.size() < LoadReport.MAX_LISTED) report.corruptNumbers.add(line + before);
        }
        if (r.truncated != null) {
            report.truncated = new LoadReport.Truncation(r.truncated.lineNumber() + before, r.truncated.byteOffset(), r.truncated.length());
        }
        for (String w : r.warnings) report.warn(w);
        r.noted.forEach((what, n) -> {
            LoadReport.Noted mine = report.noted.computeIfAbsent(what, k -> new LoadReport.Noted());
            mine.count += n.count;
            for (long line : n.lines) if (mine.lines.size() < LoadReport.MAX_LISTED) mine.lines.add(line + before);
        });
        for (String key : next.unknownKeys) if (unknownKeys.size() < 20) unknownKeys.add(key);
        coerced += next.coerced;
        lines += next.lines;
        readFailed = next.readFailed;
    }

    // ---- the plain way: the common line shape read straight from its bytes ----

    @Override
    public int plain(byte[] buf, int pos, int to) {
        return plain.read(buf, pos);
    }

    // ---- the block parser's way: objects straight from one parser over many lines ----

    @Override
    public void object(JsonParser p) throws IOException {
        rows.newRow();
        pendingEvent = json.fields(p);
    }

    @Override
    public void commit(byte[] buf, int off, int len, long lineNo) {
        keep(buf, off, len, lineNo);
    }

    // ---- one line on its own: around a parse error, and the last line without a newline ----

    @Override
    public void line(byte[] buf, int off, int len, long lineNo, long byteOffset, boolean lastWithoutNewline) {
        rows.newRow();
        try (JsonParser p = JsonLinesScanner.FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not an object");
            pendingEvent = json.fields(p);
            if (p.currentToken() != JsonToken.END_OBJECT) throw new IOException("unterminated object");
            if (p.nextToken() != null) throw new IOException("trailing content");
        } catch (IOException | RuntimeException e) {
            rows.clearRow();
            if (lastWithoutNewline) report.truncated = new LoadReport.Truncation(lineNo, byteOffset, len);
            else report.corrupt(lineNo);
            return;
        }
        if (lastWithoutNewline && !pendingEvent) {
            report.warn("last line " + lineNo + " at byte offset " + byteOffset + " has no newline (kept: it parsed)");
        }
        keep(buf, off, len, lineNo);
    }

    private void keep(byte[] buf, int off, int len, long lineNo) {
        coerced += json.rowCoerced;
        if (pendingEvent) {
            if (!events.read(buf, off, len)) report.corrupt(lineNo);
        } else {
            if (json.duplicates != null) report.note("duplicate key " + json.duplicates + " (the last value kept)", lineNo);
            if (json.outOfRange != null) report.note("number out of range for " + json.outOfRange + " (left empty)", lineNo);
            rows.n++;
        }
    }

    /**
     * The audit: the samples table, the events table and the report. Waits for Tablesaw's class initialisation
     * first; {@code tStart} is when the load began (for the debug output).
     */
    Audit finish(long tStart) {
        report.lines = lines;
        long tScanned = System.nanoTime();
        AuditLoader.awaitTablesaw();
        Table t = rows.table();
        int n = rows.n;
        report.rows = n;
        if (AuditLoader.DEBUG) {
            long now = System.nanoTime();
            System.err.printf("audit load: parse %d ms (events %d ms), columns %d ms (table %d, numbers %d, strings %d), %d rows%n",
                    (tScanned - tStart) / 1_000_000, events.tEvents / 1_000_000, (now - tScanned) / 1_000_000,
                    (rows.tTable - tScanned) / 1_000_000, (rows.tNumbers - rows.tTable) / 1_000_000,
                    (rows.tStrings - rows.tNumbers) / 1_000_000, n);
        }
        if (!unknownKeys.isEmpty()) report.warn("keys not in " + orbit.nvml.AuditSchema.NAME + " ignored: " + String.join(", ", new TreeSet<>(unknownKeys)));
        if (coerced > 0) report.warn(coerced + " values of the wrong type read as numbers or left empty");
        return new Audit(t, events.table(), report.build());
    }
}
