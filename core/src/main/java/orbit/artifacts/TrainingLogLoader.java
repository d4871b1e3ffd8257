package orbit.artifacts;

import orbit.OrbitException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * training.log as a table of lines: line (1-based), ts (when the line starts with a timestamp, as Python
 * logging, ms-swift and most launchers write them; read as UTC when no zone is given) and text.
 * A last line without a newline is kept: a log is allowed to end mid-line.
 */
public final class TrainingLogLoader {
    private static final Pattern TS = Pattern.compile(
            "^\\[?(\\d{4}[-/]\\d{2}[-/]\\d{2}[ T]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d{1,9})?(?:Z|[+-]\\d{2}:?\\d{2})?)");

    private TrainingLogLoader() {}

    public static Loaded load(Path file) {
        LoadReport.Builder report = LoadReport.builder(file);
        TableBuilder rows = new TableBuilder().declare("line", TableBuilder.Kind.INT)
                .declare("ts", TableBuilder.Kind.INSTANT).declare("text", TableBuilder.Kind.STRING);
        try (InputStream in = Files.newInputStream(file)) {
            new LineSplitter((buf, off, len, lineNo, byteOffset, last) -> {
                report.lines = lineNo;
                String text = new String(buf, off, len, StandardCharsets.UTF_8);
                rows.beginRow();
                rows.set("line", lineNo);
                rows.set("ts", timestamp(text));
                rows.set("text", text);
                rows.endRow();
            }).run(in);
        } catch (NoSuchFileException e) {
            throw new OrbitException("no training.log at " + file + ": the run has not started training, or the bundle was not pulled (`orbit launch pull NAME`)");
        } catch (IOException e) {
            report.warn("read stopped early: " + e.getMessage());
        }
        report.rows = rows.rows();
        return new Loaded(rows.build("training.log"), report.build());
    }

    static Instant timestamp(String line) {
        Matcher m = TS.matcher(line);
        return m.find() ? Units.instant(m.group(1)) : null;
    }
}
