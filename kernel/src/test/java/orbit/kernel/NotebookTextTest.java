package orbit.kernel;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** display(x) in plain JShell (no kernel attached) prints the text a notebook's value has. */
class NotebookTextTest {
    record Point(double x, String label) {}

    @Test
    void plainJShellDisplayUsesTheNotebooksTextViews() {
        assertEquals("hello", Notebook.text("hello"), "a string prints as itself");
        String table = Notebook.text(Table.create("loss", DoubleColumn.create("v", 0.1 + 0.2)));
        assertTrue(table.startsWith("loss — 1 row × 1 column") && table.endsWith("0.3"), table);
        assertEquals("Point\n  x      0.3\n  label  a", Notebook.text(new Point(0.1 + 0.2, "a")));
    }
}
