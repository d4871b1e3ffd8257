package orbit.display;

import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Renders a Tablesaw table as a compact HTML table: first rows, row count and column types. */
public final class TableHtml {
    public static final int DEFAULT_ROWS = 20;

    private TableHtml() {}

    public static String render(Table table) {
        return render(table, DEFAULT_ROWS);
    }

    public static String render(Table table, int maxRows) {
        StringBuilder sb = new StringBuilder(4096);
        int rows = table.rowCount();
        int shown = Math.min(rows, maxRows);
        sb.append("<div class=\"orbit-table\">");
        sb.append("<p><b>").append(escape(table.name() == null ? "table" : table.name())).append("</b> &mdash; ")
                .append(rows).append(rows == 1 ? " row" : " rows").append(", ")
                .append(table.columnCount()).append(table.columnCount() == 1 ? " column" : " columns");
        if (shown < rows) sb.append(" (first ").append(shown).append(" shown)");
        sb.append("</p><table><thead><tr>");
        for (Column<?> c : table.columns()) {
            sb.append("<th>").append(escape(c.name())).append("<br><small>").append(escape(c.type().name().toLowerCase()))
                    .append("</small></th>");
        }
        sb.append("</tr></thead><tbody>");
        for (int r = 0; r < shown; r++) {
            sb.append("<tr>");
            for (Column<?> c : table.columns()) {
                sb.append("<td>").append(c.isMissing(r) ? "" : escape(c.getString(r))).append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table></div>");
        return sb.toString();
    }

    public static String plain(Table table, int maxRows) {
        Table head = table.rowCount() > maxRows ? table.first(maxRows) : table;
        String text = head.print();
        return table.rowCount() > maxRows ? text + "\n... " + table.rowCount() + " rows in all" : text;
    }

    public static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
