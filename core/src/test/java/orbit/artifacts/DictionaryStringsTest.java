package orbit.artifacts;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.StringColumn;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The bulk-built string column equals what Tablesaw's append makes row by row, and goes on behaving the same. */
class DictionaryStringsTest {

    private static StringColumn appended(String[] rows) {
        StringColumn c = StringColumn.create("c");
        for (String s : rows) c.append(s == null ? "" : s);
        return c;
    }

    private static void same(String[] rows) {
        StringColumn bulk = DictionaryStrings.column("c", rows, rows.length);
        assertNotNull(bulk);
        StringColumn expected = appended(rows);
        assertEquals(expected.getDictionary(), bulk.getDictionary(), Arrays.toString(rows));
        assertEquals(expected.asList(), bulk.asList());
        assertEquals(expected.countMissing(), bulk.countMissing());
        assertEquals(expected.countUnique(), bulk.countUnique());
        assertEquals(expected.countOccurrences("not there"), bulk.countOccurrences("not there"));
        assertEquals(expected.isEqualTo("not there").size(), bulk.isEqualTo("not there").size());
        // afterwards: new texts, missing values, a set that removes a text, a sort
        for (StringColumn c : new StringColumn[]{expected, bulk}) {
            c.append("later").appendMissing().append(rows.length > 0 && rows[0] != null ? rows[0] : "x");
            if (c.size() > 0) c.set(0, "replaced");
            c.sortAscending();
        }
        assertEquals(expected.getDictionary(), bulk.getDictionary());
        assertEquals(expected.asList(), bulk.asList());
    }

    @Test
    void equalsTablesawsOwnAppend() {
        same(new String[0]);
        same(new String[]{null, null});
        same(new String[]{"", null, "a"});
        same(new String[]{"gpu0", "gpu1", "gpu0", null, "P0", "", "gpu1", new String("gpu0")});
        String[] many = new String[1000];
        for (int i = 0; i < many.length; i++) many[i] = i % 7 == 0 ? null : "host-" + (i % 254);
        same(many);
    }

    @Test
    void leavesTooManyTextsToTablesaw() {
        String[] rows = new String[255];
        for (int i = 0; i < rows.length; i++) rows[i] = "t" + i;
        assertNull(DictionaryStrings.column("c", rows, rows.length));
        assertNotNull(DictionaryStrings.column("c", rows, 254));
    }
}
