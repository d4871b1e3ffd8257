package orbit.artifacts;

import orbit.display.MimeBundle;
import orbit.display.TableHtml;
import tech.tablesaw.api.Table;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GPU audit (orbit.nvml_audit.v1, or an nvidia-smi CSV log mapped to its columns): one row per GPU per
 * sample, the sampler's events (xid, gpu_lost, sampler start/stop) in their own table, and what was skipped.
 */
public record Audit(Table samples, Table events, LoadReport report) implements MimeBundle {
    /** The samples as a {@link Loaded}, e.g. for code that handles every artifact the same way. */
    public Loaded loaded() {
        return new Loaded(samples, report);
    }

    @Override
    public Map<String, String> mimeBundle() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", toString());
        StringBuilder html = new StringBuilder(TableHtml.render(samples));
        if (events.rowCount() > 0) html.append(TableHtml.render(events));
        html.append(report.html());
        m.put("text/html", html.toString());
        return m;
    }

    @Override
    public String toString() {
        String s = TableHtml.plain(samples, TableHtml.DEFAULT_ROWS);
        if (events.rowCount() > 0) s += "\n" + TableHtml.plain(events, TableHtml.DEFAULT_ROWS);
        return s + "\n" + report.summary();
    }
}
