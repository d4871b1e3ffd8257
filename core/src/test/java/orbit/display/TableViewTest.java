package orbit.display;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvWriteOptions;

import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableViewTest {
    @Test
    void doublesShowSixSignificantDigitsWithoutFloatNoise() {
        assertEquals("0.3", Numbers.sig6(0.1 + 0.2));
        assertEquals("7.46", Numbers.sig6(7.460000000000001));
        assertEquals("1500", Numbers.sig6(1500.0));
        assertEquals("3.14159", Numbers.sig6(Math.PI));
        assertEquals("1.5e-05", Numbers.sig6(1.5e-5));
        assertEquals("-2.5", Numbers.sig6(-2.5));
        assertEquals("0", Numbers.sig6(0.0));
        assertEquals("NaN", Numbers.sig6(Double.NaN));
        assertEquals("1733490000", Numbers.sig6(1733490000.125));
        assertEquals("1.23457e+20", Numbers.sig6(1.234567e20));
    }

    @Test
    void theTableAndItsCsvKeepFullPrecision() {
        Table t = Table.create("m", DoubleColumn.create("loss", new double[] {0.1 + 0.2}));
        assertTrue(TableView.text(t).contains("0.3\n") || TableView.text(t).endsWith("0.3"), TableView.text(t));
        assertFalse(TableView.text(t).contains("0.30000000000000004"));
        assertFalse(TableView.html(t).contains("0.30000000000000004"));
        assertEquals(0.30000000000000004, t.doubleColumn("loss").get(0));
        StringWriter csv = new StringWriter();
        t.write().csv(CsvWriteOptions.builder(csv).build());
        assertTrue(csv.toString().contains("0.30000000000000004"), csv.toString());
    }

    @Test
    void longTableShowsHeadAndTailWithTheRowCount() {
        Table t = Table.create("steps", IntColumn.create("step", IntStream.range(0, 100).toArray()));
        String text = TableView.text(t);
        assertTrue(text.startsWith("steps — 100 rows × 1 column; shown: first 10 and last 10"), text);
        List<String> lines = text.lines().toList();
        assertEquals(2 + 10 + 1 + 10 + 1, lines.size(), text);
        assertEquals("0", lines.get(3).strip());
        assertEquals("…", lines.get(13).strip());
        assertEquals("99", lines.get(lines.size() - 1).strip());
        String html = TableView.html(t);
        assertTrue(html.contains("100 rows × 1 column; shown: first 10 and last 10"), html);
        assertEquals(21, html.split("<tr>", -1).length - 1 - 1, "20 rows, an ellipsis row and the header");
    }

    @Test
    void wideTableElidesMiddleColumns() {
        Table t = Table.create("wide");
        for (int i = 0; i < 30; i++) t.addColumns(IntColumn.create("c" + i, new int[] {i}));
        String text = TableView.text(t);
        String header = text.lines().toList().get(1);
        assertTrue(header.startsWith("c0 ") && header.contains("c9  …  c20") && header.endsWith("c29"), header);
        assertFalse(header.contains("c10"));
        assertTrue(text.contains("10 middle columns not shown"), text);
        assertTrue(TableView.html(t).contains("<th>…</th>"));
    }

    @Test
    void textColumnsAreLeftAlignedAndKeepIndentationNumbersRight() {
        Table t = Table.create("training.log",
                IntColumn.create("line", new int[] {1, 10}),
                StringColumn.create("text", List.of("Traceback (most recent call last):", "  File \"train.py\", line 3")));
        List<String> lines = TableView.text(t).lines().toList();
        assertEquals("   1  Traceback (most recent call last):", lines.get(3));
        assertEquals("  10    File \"train.py\", line 3", lines.get(4));
        String html = TableView.html(t);
        assertTrue(html.contains("<td style=\"" + TableView.TEXT_CELL + "\">  File &quot;train.py&quot;, line 3</td>"), html);
        assertTrue(html.contains("white-space:pre") && html.contains("white-space:nowrap"), html);
    }

    @Test
    void cellsStayOnOneLine() {
        Table t = Table.create("x", StringColumn.create("s", List.of("a\nb\tc", "y".repeat(500))));
        List<String> lines = TableView.text(t).lines().toList();
        assertEquals(5, lines.size(), TableView.text(t));
        assertEquals("a↵b    c", lines.get(3).strip());
        assertTrue(lines.get(4).endsWith("…") && lines.get(4).length() == 120, lines.get(4));
    }

    @Test
    void columnsEmptyInEveryShownRowAreLeftOutAndNamed() {
        DoubleColumn eval = DoubleColumn.create("eval_loss", 3);
        StringColumn note = StringColumn.create("note", List.of("", "", ""));
        Table t = Table.create("metrics", IntColumn.create("step", new int[] {1, 2, 3}), eval, note,
                DoubleColumn.create("loss", new double[] {3, 2.5, 2}));
        String text = TableView.text(t);
        assertFalse(text.lines().toList().get(1).contains("eval_loss"), text);
        assertTrue(text.contains("(left out, empty in every row: eval_loss, note)"), text);
        String html = TableView.html(t);
        assertFalse(html.contains(">eval_loss<"), html);
        assertTrue(html.contains("left out, empty in every row: eval_loss, note"), html);
    }

    @Test
    void emptyTableSaysSoAndDropsNothing() {
        Table t = Table.create("none", IntColumn.create("a"));
        String text = TableView.text(t);
        assertTrue(text.startsWith("none — 0 rows × 1 column"), text);
        assertTrue(text.contains("a"), text);
    }

    @Test
    void htmlEscapesCells() {
        Table t = Table.create("x", StringColumn.create("s", List.of("<script>")));
        assertTrue(TableView.html(t).contains("&lt;script&gt;"));
    }

    record Dep(String name, boolean ok, String version) {}

    record Facts(String runId, Double loss, Integer pid, String signal, List<Dep> deps, List<String> notes) {}

    @Test
    void recordsAreSmallKeyValueTables() {
        Facts f = new Facts("r1", 0.1 + 0.2, 42, null, List.of(new Dep("torch", true, "2.4"), new Dep("swift", false, null)), List.of());
        String text = RecordView.text(f);
        List<String> lines = text.lines().toList();
        assertEquals("Facts", lines.get(0));
        assertEquals("  runId  r1", lines.get(1));
        assertEquals("  loss   0.3", lines.get(2));
        assertTrue(text.contains("  deps\n    name   ok     version"), text);
        assertTrue(text.contains("  notes  none"), text);
        assertTrue(text.endsWith("(not recorded: signal)"), text);
        Map<String, String> m = RecordView.of(f);
        assertTrue(m.get("text/html").contains("<th style=\"text-align:left;white-space:nowrap;vertical-align:top\">loss</th>"), m.get("text/html"));
        assertTrue(m.get("text/html").contains(">torch<"), m.get("text/html"));
        assertFalse(m.get("text/html").contains("Facts["), m.get("text/html"));
    }
}
