package orbit.artifacts;

import orbit.display.TableHtml;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a loader read and what it left out. Loaders never throw on bad data; everything they skipped
 * is counted here so a notebook can show it beside the table and code can check it.
 *
 * @param source             the file read (or a description when several were read)
 * @param lines              lines (or records) seen
 * @param rows               rows that made it into the table
 * @param corruptLines       lines in the middle of the file that could not be parsed and were skipped
 * @param corruptLineNumbers the first few of those, 1-based
 * @param truncated          the last line when it was cut off mid-write (no newline, unparseable); null if none
 * @param warnings           everything else worth knowing (unit assumptions, coerced values, unknown formats)
 */
public record LoadReport(String source, long lines, long rows, long corruptLines, List<Long> corruptLineNumbers,
                         Truncation truncated, List<String> warnings) {
    static final int MAX_LISTED = 10;

    public LoadReport {
        corruptLineNumbers = List.copyOf(corruptLineNumbers);
        warnings = List.copyOf(warnings);
    }

    /** A last line cut off by a writer that died: where it started and how many bytes were left. */
    public record Truncation(long lineNumber, long byteOffset, int length) {
        @Override
        public String toString() {
            return "truncated last line " + lineNumber + " at byte offset " + byteOffset + " (" + length + " bytes) dropped";
        }
    }

    /** True when nothing was skipped and there is nothing to warn about. */
    public boolean clean() {
        return corruptLines == 0 && truncated == null && warnings.isEmpty();
    }

    /** Every remark as one line each: the truncation, the corrupt lines, the warnings. */
    public List<String> remarks() {
        List<String> out = new ArrayList<>();
        if (truncated != null) out.add(truncated.toString());
        if (corruptLines > 0) {
            out.add(corruptLines + " corrupt line" + (corruptLines == 1 ? "" : "s") + " skipped (line"
                    + (corruptLineNumbers.size() == 1 ? " " : "s ")
                    + String.join(", ", corruptLineNumbers.stream().map(String::valueOf).toList())
                    + (corruptLines > corruptLineNumbers.size() ? ", ..." : "") + ")");
        }
        out.addAll(warnings);
        return out;
    }

    public String summary() {
        String head = source + ": " + rows + " rows from " + lines + " lines";
        List<String> r = remarks();
        return r.isEmpty() ? head : head + "; " + String.join("; ", r);
    }

    public String html() {
        StringBuilder sb = new StringBuilder("<div class=\"orbit-load-report\"><small>")
                .append(TableHtml.escape(source)).append(": ").append(rows).append(" rows from ").append(lines).append(" lines");
        List<String> r = remarks();
        if (!r.isEmpty()) {
            sb.append("</small><ul style=\"color:#a15c00\">");
            for (String s : r) sb.append("<li>").append(TableHtml.escape(s)).append("</li>");
            sb.append("</ul>");
        } else {
            sb.append(" &mdash; nothing skipped</small>");
        }
        return sb.append("</div>").toString();
    }

    @Override
    public String toString() {
        return summary();
    }

    static Builder builder(Path source) {
        return new Builder(source == null ? "?" : source.toString());
    }

    static Builder builder(String source) {
        return new Builder(source);
    }

    /** Collects counts while a loader runs. */
    static final class Builder {
        final String source;
        long lines;
        long rows;
        long corrupt;
        final List<Long> corruptNumbers = new ArrayList<>();
        Truncation truncated;
        final List<String> warnings = new ArrayList<>();
        /** Remarks about single lines ("duplicate key gpu"), each with how many lines and the first few line numbers. */
        final Map<String, Noted> noted = new LinkedHashMap<>();

        Builder(String source) {
            this.source = source;
        }

        void corrupt(long lineNumber) {
            corrupt++;
            if (corruptNumbers.size() < MAX_LISTED) corruptNumbers.add(lineNumber);
        }

        void warn(String w) {
            if (!warnings.contains(w)) warnings.add(w);
        }

        /** {@code what} happened on line {@code lineNumber}: one warning per kind, with its line numbers. */
        void note(String what, long lineNumber) {
            Noted n = noted.computeIfAbsent(what, k -> new Noted());
            n.count++;
            if (n.lines.size() < MAX_LISTED) n.lines.add(lineNumber);
        }

        LoadReport build() {
            List<String> all = new ArrayList<>(warnings);
            for (Map.Entry<String, Noted> e : noted.entrySet()) {
                Noted n = e.getValue();
                all.add(e.getKey() + " on " + n.count + (n.count == 1 ? " line (line " : " lines (lines ")
                        + String.join(", ", n.lines.stream().map(String::valueOf).toList())
                        + (n.count > n.lines.size() ? ", ..." : "") + ")");
            }
            return new LoadReport(source, lines, rows, corrupt, corruptNumbers, truncated, all);
        }
    }

    static final class Noted {
        long count;
        final List<Long> lines = new ArrayList<>();
    }

    /** Reports of several files read into one table. */
    static LoadReport merge(String source, List<LoadReport> parts) {
        Builder b = new Builder(source);
        for (LoadReport p : parts) {
            b.lines += p.lines;
            b.rows += p.rows;
            b.corrupt += p.corruptLines;
            if (p.truncated != null) b.warn(p.source + ": " + p.truncated);
            if (p.corruptLines > 0) b.warn(p.source + ": " + p.corruptLines + " corrupt lines skipped (lines " + p.corruptLineNumbers + ")");
            for (String w : p.warnings) b.warn(p.source + ": " + w);
        }
        return new LoadReport(source, b.lines, b.rows, 0, List.of(), null, b.warnings);
    }
}
