package orbit.artifacts;

import orbit.display.MimeBundle;
import orbit.display.TableHtml;
import tech.tablesaw.api.Table;

import java.util.LinkedHashMap;
import java.util.Map;

/** A table read from an artifact, with the report of what was skipped; a notebook shows both. */
public record Loaded(Table table, LoadReport report) implements MimeBundle {
    public int rowCount() {
        return table.rowCount();
    }

    @Override
    public Map<String, String> mimeBundle() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", toString());
        m.put("text/html", TableHtml.render(table) + report.html());
        return m;
    }

    @Override
    public String toString() {
        return TableHtml.plain(table, TableHtml.DEFAULT_ROWS) + "\n" + report.summary();
    }
}
