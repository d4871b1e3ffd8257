package orbit.display;

import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * How a table reads on screen, the same in text (console, JShell) and HTML (notebooks): doubles to six significant
 * digits, a long table as its head and tail with the row count, a wide one with its middle columns elided, cells
 * on one line, text columns left-aligned (a log line keeps its indentation), numbers right-aligned, and columns
 * empty in every shown row left out, with a line naming them. Only the view is rounded: the Table and its CSV keep
 * every digit.
 *
 * @param maxRows  rows shown before the view switches to head and tail (half each)
 * @param maxCols  columns shown before the middle ones are elided
 * @param maxWidth characters of one cell before it is cut with "…"
 */
public record TableView(int maxRows, int maxCols, int maxWidth) {
    /** What a notebook cell or a value in JShell shows. */
    public static final TableView DEFAULT = new TableView(20, 20, 120);

    static final String ELLIPSIS = "…";

    public static String text(Table table) {
        return DEFAULT.textOf(table);
    }

    public static String html(Table table) {
        return DEFAULT.htmlOf(table);
    }

    /** The rows, columns and cell texts this view shows of a table: computed once for both forms. */
    private record Layout(String title, int rows, int columns, int[] shownRows, int head, List<Col> cols, int elidedAt,
                          int elided, List<String> leftOut) {}

    /** One shown column: its name, type, whether it holds numbers, and the text of each shown cell. */
    private record Col(String name, String type, boolean numeric, String[] cells) {}

    private Layout layout(Table t) {
        int n = t.rowCount();
        int[] shown;
        int head;
        if (n <= maxRows) {
            shown = IntStream.range(0, n).toArray();
            head = n;
        } else {
            head = (maxRows + 1) / 2;
            int tail = maxRows / 2;
            shown = IntStream.concat(IntStream.range(0, head), IntStream.range(n - tail, n)).toArray();
        }
        List<Col> kept = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        for (Column<?> c : t.columns()) {
            String[] cells = new String[shown.length];
            boolean empty = shown.length > 0;
            for (int i = 0; i < shown.length; i++) {
                cells[i] = cell(c, shown[i]);
                if (!cells[i].isEmpty()) empty = false;
            }
            if (empty) leftOut.add(c.name());
            else kept.add(new Col(c.name(), c.type().name().toLowerCase(java.util.Locale.ROOT), c instanceof NumericColumn<?>, cells));
        }
        int elidedAt = -1;
        int elided = 0;
        if (kept.size() > maxCols) {
            int front = (maxCols + 1) / 2;
            int back = maxCols / 2;
            elided = kept.size() - front - back;
            elidedAt = front;
            List<Col> cut = new ArrayList<>(kept.subList(0, front));
            cut.addAll(kept.subList(kept.size() - back, kept.size()));
            kept = cut;
        }
        return new Layout(t.name() == null || t.name().isBlank() ? "table" : t.name(), n, t.columnCount(), shown, head,
                kept, elidedAt, elided, leftOut);
    }

    private String cell(Column<?> c, int row) {
        if (c.isMissing(row)) return "";
        String s = switch (c.type().name()) {
            case "DOUBLE", "FLOAT" -> Numbers.sig6(((NumericColumn<?>) c).getDouble(row));
            default -> c.getString(row);
        };
        return oneLine(s, maxWidth);
    }

    /** A cell on one line: line breaks and tabs shown as marks, cut at {@code max} characters. */
    static String oneLine(String s, int max) {
        if (s == null) return "";
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0 || s.indexOf('\t') >= 0) {
            s = s.replace("\r\n", "↵").replace('\n', '↵').replace('\r', '↵').replace("\t", "    ");
        }
        return s.length() > max ? s.substring(0, max - 1) + ELLIPSIS : s;
    }

    private static String summary(Layout l) {
        StringBuilder sb = new StringBuilder();
        sb.append(l.rows).append(l.rows == 1 ? " row" : " rows").append(" × ").append(l.columns)
                .append(l.columns == 1 ? " column" : " columns");
        if (l.shownRows.length < l.rows) {
            sb.append("; shown: first ").append(l.head).append(" and last ").append(l.shownRows.length - l.head);
        }
        return sb.toString();
    }

    private static List<String> notes(Layout l) {
        List<String> notes = new ArrayList<>();
        if (l.elided > 0) notes.add(l.elided + " middle columns not shown (" + ELLIPSIS + ")");
        if (!l.leftOut.isEmpty()) {
            notes.add("left out, empty in every " + (l.shownRows.length < l.rows ? "shown " : "") + "row: "
                    + String.join(", ", l.leftOut));
        }
        return notes;
    }

    public String textOf(Table table) {
        Layout l = layout(table);
        List<String> names = new ArrayList<>();
        List<Boolean> right = new ArrayList<>();
        List<String[]> cells = new ArrayList<>();
        for (int i = 0; i < l.cols.size(); i++) {
            if (i == l.elidedAt) {
                names.add(ELLIPSIS);
                right.add(false);
                String[] dots = new String[l.shownRows.length];
                java.util.Arrays.fill(dots, ELLIPSIS);
                cells.add(dots);
            }
            Col c = l.cols.get(i);
            names.add(c.name);
            right.add(c.numeric);
            cells.add(c.cells);
        }
        int[] width = new int[names.size()];
        for (int j = 0; j < names.size(); j++) {
            width[j] = names.get(j).length();
            for (String s : cells.get(j)) width[j] = Math.max(width[j], s.length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(l.title).append(" — ").append(summary(l)).append('\n');
        if (!names.isEmpty()) {
            line(sb, names, width, right);
            List<String> rule = new ArrayList<>();
            for (int w : width) rule.add("-".repeat(w));
            line(sb, rule, width, right);
            for (int i = 0; i < l.shownRows.length; i++) {
                if (i == l.head && l.head < l.shownRows.length) {
                    List<String> dots = new ArrayList<>();
                    for (int j = 0; j < names.size(); j++) dots.add(ELLIPSIS);
                    line(sb, dots, width, right);
                }
                List<String> row = new ArrayList<>();
                for (String[] col : cells) row.add(col[i]);
                line(sb, row, width, right);
            }
        }
        for (String note : notes(l)) sb.append('(').append(note).append(")\n");
        return sb.toString().stripTrailing();
    }

    private static void line(StringBuilder sb, List<String> values, int[] width, List<Boolean> right) {
        StringBuilder row = new StringBuilder();
        for (int j = 0; j < values.size(); j++) {
            if (j > 0) row.append("  ");
            String v = values.get(j);
            String pad = " ".repeat(width[j] - v.length());
            row.append(right.get(j) ? pad + v : v + pad);
        }
        sb.append(row.toString().stripTrailing()).append('\n');
    }

    static final String TEXT_CELL = "text-align:left;white-space:pre;font-family:monospace";
    static final String NUMBER_CELL = "text-align:right;white-space:nowrap";

    public String htmlOf(Table table) {
        Layout l = layout(table);
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<div class=\"orbit-table\"><p><b>").append(TableHtml.escape(l.title)).append("</b> &mdash; ")
                .append(TableHtml.escape(summary(l))).append("</p>");
        sb.append("<table style=\"border-collapse:collapse\"><thead><tr>");
        for (int i = 0; i < l.cols.size(); i++) {
            if (i == l.elidedAt) sb.append("<th>").append(ELLIPSIS).append("</th>");
            Col c = l.cols.get(i);
            sb.append("<th style=\"white-space:nowrap;text-align:").append(c.numeric ? "right" : "left").append("\">")
                    .append(TableHtml.escape(c.name)).append("<br><small>").append(TableHtml.escape(c.type)).append("</small></th>");
        }
        sb.append("</tr></thead><tbody>");
        for (int r = 0; r < l.shownRows.length; r++) {
            if (r == l.head && l.head < l.shownRows.length) {
                sb.append("<tr>");
                for (int i = 0; i < l.cols.size() + (l.elidedAt >= 0 ? 1 : 0); i++) sb.append("<td>").append(ELLIPSIS).append("</td>");
                sb.append("</tr>");
            }
            sb.append("<tr>");
            for (int i = 0; i < l.cols.size(); i++) {
                if (i == l.elidedAt) sb.append("<td>").append(ELLIPSIS).append("</td>");
                Col c = l.cols.get(i);
                sb.append("<td style=\"").append(c.numeric ? NUMBER_CELL : TEXT_CELL).append("\">")
                        .append(TableHtml.escape(c.cells[r])).append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table>");
        for (String note : notes(l)) sb.append("<p><small>").append(TableHtml.escape(note)).append("</small></p>");
        return sb.append("</div>").toString();
    }
}
