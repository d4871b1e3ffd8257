package orbit.display;

import tech.tablesaw.api.Table;

/** Tables as notebook HTML and console text, through {@link TableView}; and HTML escaping for every view. */
public final class TableHtml {
    public static final int DEFAULT_ROWS = TableView.DEFAULT.maxRows();

    private TableHtml() {}

    public static String render(Table table) {
        return TableView.html(table);
    }

    /** At most {@code maxRows} rows (head and tail beyond that). */
    public static String render(Table table, int maxRows) {
        return new TableView(maxRows, TableView.DEFAULT.maxCols(), TableView.DEFAULT.maxWidth()).htmlOf(table);
    }

    public static String plain(Table table, int maxRows) {
        return new TableView(maxRows, TableView.DEFAULT.maxCols(), TableView.DEFAULT.maxWidth()).textOf(table);
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
