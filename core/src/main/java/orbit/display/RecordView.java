package orbit.display;

import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A record or a handle as a small key/value table, in text and HTML, instead of {@code RunRecord[runId=..., ...]} or
 * {@code LocalRunHandle@397fbdb}: one field a line, doubles to six significant digits, null fields named once at the
 * end, a list of records as a nested table.
 */
public final class RecordView {
    static final int MAX_WIDTH = 200;

    private RecordView() {}

    /** The fields of a record, in declaration order (null when {@code value} is not a record). */
    public static Map<String, Object> fields(Object value) {
        if (value == null || !value.getClass().isRecord()) return null;
        Map<String, Object> out = new LinkedHashMap<>();
        for (RecordComponent c : value.getClass().getRecordComponents()) {
            try {
                var accessor = c.getAccessor();
                accessor.setAccessible(true);
                out.put(c.getName(), accessor.invoke(value));
            } catch (ReflectiveOperationException | RuntimeException e) {
                out.put(c.getName(), "(unreadable: " + e.getClass().getSimpleName() + ")");
            }
        }
        return out;
    }

    /** A record's view, titled by its class's simple name. */
    public static Map<String, String> of(Record value) {
        return of(value.getClass().getSimpleName(), fields(value));
    }

    /** "text/plain" and "text/html" of a titled set of fields. */
    public static Map<String, String> of(String title, Map<String, ?> fields) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", text(title, fields));
        m.put("text/html", html(title, fields));
        return m;
    }

    public static String text(Record value) {
        return text(value.getClass().getSimpleName(), fields(value));
    }

    public static String text(String title, Map<String, ?> fields) {
        int width = 0;
        for (Map.Entry<String, ?> e : fields.entrySet()) if (shown(e.getValue())) width = Math.max(width, e.getKey().length());
        StringBuilder sb = new StringBuilder(title).append('\n');
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            Object v = e.getValue();
            if (!shown(v)) {
                missing.add(e.getKey());
                continue;
            }
            Table nested = nested(e.getKey(), v);
            if (nested != null) {
                sb.append("  ").append(e.getKey()).append('\n');
                for (String line : TableView.DEFAULT.textOf(nested).lines().skip(1).toList()) sb.append("    ").append(line).append('\n');
            } else {
                sb.append("  ").append(e.getKey()).append(" ".repeat(width - e.getKey().length() + 2)).append(value(v)).append('\n');
            }
        }
        if (!missing.isEmpty()) sb.append("  (not recorded: ").append(String.join(", ", missing)).append(")\n");
        return sb.toString().stripTrailing();
    }

    public static String html(String title, Map<String, ?> fields) {
        StringBuilder sb = new StringBuilder("<div class=\"orbit-record\"><b>").append(TableHtml.escape(title))
                .append("</b><table style=\"border-collapse:collapse\">");
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, ?> e : fields.entrySet()) {
            Object v = e.getValue();
            if (!shown(v)) {
                missing.add(e.getKey());
                continue;
            }
            sb.append("<tr><th style=\"text-align:left;white-space:nowrap;vertical-align:top\">").append(TableHtml.escape(e.getKey())).append("</th>");
            Table nested = nested(e.getKey(), v);
            if (nested != null) {
                sb.append("<td style=\"text-align:left\">").append(TableView.DEFAULT.htmlOf(nested)).append("</td></tr>");
            } else {
                sb.append("<td style=\"").append(TableView.TEXT_CELL).append("\">").append(TableHtml.escape(value(v))).append("</td></tr>");
            }
        }
        sb.append("</table>");
        if (!missing.isEmpty()) sb.append("<small>not recorded: ").append(TableHtml.escape(String.join(", ", missing))).append("</small>");
        return sb.append("</div>").toString();
    }

    private static boolean shown(Object v) {
        return v != null && !(v instanceof Optional<?> o && o.isEmpty());
    }

    /** A non-empty collection of records as a table with one string column per field; null for anything else. */
    private static Table nested(String name, Object v) {
        if (!(v instanceof Collection<?> c) || c.isEmpty()) return null;
        Object first = c.iterator().next();
        if (first == null || !first.getClass().isRecord()) return null;
        Map<String, StringColumn> cols = new LinkedHashMap<>();
        for (RecordComponent rc : first.getClass().getRecordComponents()) cols.put(rc.getName(), StringColumn.create(rc.getName()));
        for (Object item : c) {
            Map<String, Object> f = fields(item);
            if (f == null || !f.keySet().equals(cols.keySet())) return null;
            f.forEach((k, x) -> cols.get(k).append(shown(x) ? value(x) : null));
        }
        return Table.create(name, cols.values().toArray(new StringColumn[0]));
    }

    /** One value on one line. */
    static String value(Object v) {
        if (v instanceof Optional<?> o) v = o.orElse(null);
        String s;
        if (v == null) s = "";
        else if (v instanceof Double d) s = Numbers.sig6(d);
        else if (v instanceof Float f) s = Numbers.sig6(f);
        else if (v instanceof Table t) s = "table " + t.name() + " (" + t.rowCount() + " rows × " + t.columnCount() + " columns)";
        else if (v instanceof Collection<?> c) s = c.isEmpty() ? "none" : String.join(", ", c.stream().map(RecordView::value).toList());
        else if (v instanceof Map<?, ?> m) s = m.isEmpty() ? "none" : String.join(", ", m.entrySet().stream().map(e -> e.getKey() + "=" + value(e.getValue())).toList());
        else if (v.getClass().isRecord()) s = String.join(", ", fields(v).entrySet().stream().filter(e -> shown(e.getValue())).map(e -> e.getKey() + "=" + value(e.getValue())).toList());
        else if (v instanceof MimeBundle mb && mb.mimeBundle().get("text/plain") != null) s = mb.mimeBundle().get("text/plain").lines().findFirst().orElse("");
        else s = String.valueOf(v);
        return TableView.oneLine(s, MAX_WIDTH);
    }
}
