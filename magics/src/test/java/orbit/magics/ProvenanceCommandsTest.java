package orbit.magics;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.bundle.Json;
import orbit.display.MimeBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** `bundle stage --fork`, `bundle clone` and `bundle diff` through the command grammar shared by the CLI and the magics. */
class ProvenanceCommandsTest {
    @TempDir
    Path tmp;

    /** A console like a notebook's: text goes to out/err, displayed values are kept to look at. */
    static final class CellConsole implements Console {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final PrintWriter o = new PrintWriter(out, true);
        final PrintWriter e = new PrintWriter(err, true);
        final List<Object> shown = new ArrayList<>();

        public PrintWriter out() { return o; }
        public PrintWriter err() { return e; }
        public void display(Object value) { shown.add(value); }
        public Display displayUpdatable(Object initial) { shown.add(initial); return shown::add; }
        public void bind(String variable, Object value) { }
    }

    private int magic(CellConsole c, String line) {
        return Commands.runMagic(c, line.replace("%bundle", "%bundle --root " + tmp.resolve("bundles")));
    }

    @Test
    void forkCloneAndDiffFromCells() throws Exception {
        Path src = tmp.resolve("ms-fork");
        Files.createDirectories(src.resolve("mypkg"));
        Files.writeString(src.resolve("mypkg/__init__.py"), "VALUE = 1\n");
        CellConsole c = new CellConsole();
        assertEquals(0, magic(c, "%bundle new demo --critical-dep mypkg -- python3 -c 'import mypkg'"), c.err.toString());

        CellConsole bad = new CellConsole();
        assertEquals(1, magic(bad, "%bundle stage demo " + src + " --fork mypkg --commit deadbeef"));
        assertEquals("orbit: error: --commit deadbeef: give the exact 40-character hex commit the fork starts from (`git rev-parse HEAD`)\n",
                bad.err.toString());
        assertEquals(1, magic(bad, "%bundle stage demo " + src + " --fork nopkg"));
        assertEquals(2, bad.err.toString().lines().count(), bad.err.toString());
        assertFalse(Files.exists(tmp.resolve("bundles/demo/inputs/forks")));

        CellConsole staged = new CellConsole();
        assertEquals(0, magic(staged, "%bundle stage demo " + src + " --fork mypkg --repository https://example.org/mypkg.git"
                + " --commit 0123456789abcdef0123456789abcdef01234567"), staged.err.toString());
        assertEquals("staged: fork mypkg at inputs/forks/ms-fork (1 file, FORK_MANIFEST.json, upstream https://example.org/mypkg.git"
                + " @ 0123456789abcdef0123456789abcdef01234567); PYTHONPATH=inputs/forks/ms-fork\n", staged.out.toString());
        assertTrue(Files.isRegularFile(tmp.resolve("bundles/demo/inputs/forks/ms-fork/FORK_MANIFEST.json")));

        CellConsole cloned = new CellConsole();
        assertEquals(0, magic(cloned, "%bundle clone demo demo2"), cloned.err.toString());
        assertTrue(cloned.out.toString().startsWith("cloned demo as demo2 at "), cloned.out.toString());
        assertTrue(cloned.out.toString().contains(": 2 inputs verified by sha256"), cloned.out.toString());
        assertEquals(1, magic(cloned, "%bundle clone demo demo2"));
        assertTrue(cloned.err.toString().contains("bundle demo2 already exists"), cloned.err.toString());
        CellConsole twice = new CellConsole();
        assertEquals(1, magic(twice, "%bundle clone demo@r1 demo3 --from-run r2"));
        assertEquals("orbit: error: clone demo@r1 --from-run r2: name the run once, as NAME@RUN_ID or with --from-run\n", twice.err.toString());

        CellConsole diff = new CellConsole();
        assertEquals(0, magic(diff, "%bundle diff demo demo2"), diff.err.toString());
        MimeBundle shown = (MimeBundle) diff.shown.get(0);
        assertTrue(shown.mimeBundle().get("text/plain").startsWith("diff demo → demo2: no differences"), shown.mimeBundle().get("text/plain"));
        assertTrue(shown.mimeBundle().get("text/html").contains("<h4>outcome (same)</h4>"), shown.mimeBundle().get("text/html"));

        // a fork file changed in the clone: named by path under the fork root
        Path cloneFile = tmp.resolve("bundles/demo2/inputs/forks/ms-fork/mypkg/__init__.py");
        Files.writeString(src.resolve("mypkg/__init__.py"), "VALUE = 2\n");
        assertEquals(0, magic(diff, "%bundle stage demo2 " + src + " --fork mypkg --replace"), diff.err.toString());
        assertEquals("VALUE = 2\n", Files.readString(cloneFile));
        CellConsole json = new CellConsole();
        assertEquals(0, magic(json, "%bundle diff demo demo2 --json"), json.err.toString());
        JsonNode n = Json.MAPPER.readTree(json.out.toString());
        assertFalse(n.get("identical").asBoolean());
        assertEquals(1, n.get("fork_files").size(), n.toPrettyString());
        assertEquals("mypkg/__init__.py", n.at("/fork_files/0/path").asText());
        assertEquals("changed", n.at("/fork_files/0/change").asText());
        assertEquals("forks/ms-fork/FORK_MANIFEST.json", n.at("/inputs/0/path").asText());
        assertEquals("forks/ms-fork/mypkg/__init__.py", n.at("/inputs/1/path").asText());
        assertEquals("fork mypkg", n.at("/upstream/0/field").asText());
        assertTrue(n.at("/upstream/0/b").isNull(), "restaged from a plain directory without --commit: no upstream");
        assertEquals("never_run", n.at("/outcome/a/state").asText());

        CellConsole usage = new CellConsole();
        assertEquals(1, magic(usage, "%bundle diff demo demo@nosuchrun"));
        assertEquals("orbit: error: bundle demo has no run nosuchrun: its runs are none (it was never launched)\n", usage.err.toString());
    }
}
