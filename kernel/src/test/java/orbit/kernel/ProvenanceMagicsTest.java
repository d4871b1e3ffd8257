package orbit.kernel;

import orbit.kernel.display.Renderers;
import orbit.magics.Commands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** `%bundle diff` in a kernel cell goes through the display registry and arrives as HTML tables. */
class ProvenanceMagicsTest {
    @TempDir
    Path tmp;

    @Test
    void bundleDiffRendersAsTablesInACell() {
        List<Map<String, String>> shown = new CopyOnWriteArrayList<>();
        StringWriter err = new StringWriter();
        KernelConsole c = new KernelConsole(Renderers.standard(), new KernelConsole.Publisher() {
            public void displayData(Map<String, String> data, String displayId, boolean update) {
                shown.add(data);
            }

            public void clearOutput() { }
        }, (n, v) -> "Object", new PrintWriter(new StringWriter()), new PrintWriter(err));
        String root = "--root " + tmp.resolve("bundles");
        try {
            assertEquals(0, Commands.runMagic(c, "%bundle " + root + " new a --env MODE=fast -- python3 -c pass"), err.toString());
            assertEquals(0, Commands.runMagic(c, "%bundle " + root + " new b --env MODE=slow -- python3 -c pass"), err.toString());
            assertEquals(0, Commands.runMagic(c, "%bundle " + root + " diff a b"), err.toString());
        } finally {
            c.shutdown();
        }
        assertEquals(1, shown.size());
        String html = shown.get(0).get("text/html");
        assertTrue(html.contains("<h4>job.json</h4><table>"), html);
        assertTrue(html.contains("<td>entrypoint.env.MODE</td><td>fast</td><td>slow</td>"), html);
        assertTrue(html.contains("<h4>outcome (same)</h4>"), html);
        assertTrue(shown.get(0).get("text/plain").startsWith("diff a → b\n"), shown.get(0).get("text/plain"));
    }
}
