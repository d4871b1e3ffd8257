package orbit.kernel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** orbit-jshell's tool in a fresh JVM, fed from a pipe: long values print whole, the mode is made once and cached. */
class JShellToolTest {
    @TempDir
    Path tmp;

    private String jshell(String input) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.util.prefs.userRoot=" + tmp.resolve("prefs"), "-cp", System.getProperty("java.class.path"),
                JShellTool.class.getName(), "--no-startup").redirectErrorStream(true);
        pb.environment().put("XDG_STATE_HOME", tmp.resolve("state").toString());
        Process p = pb.start();
        try {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), new String(out, StandardCharsets.UTF_8));
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void longValuesAreNotCutAndTheModeIsCached() throws Exception {
        String out = jshell("\"x\".repeat(3000)\n/exit\n");
        assertTrue(out.contains("\"" + "x".repeat(3000) + "\""), "the whole value: " + out.length() + " chars: " + out.substring(0, Math.min(300, out.length())));
        try (var files = Files.list(tmp.resolve("state/orbit"))) {
            List<Path> cached = files.toList();
            assertEquals(1, cached.size(), cached.toString());
            assertTrue(Files.readString(cached.get(0)).contains("MODE"), "JShell's own encoding of the mode");
        }
        String again = jshell("String.join(\"\", java.util.Collections.nCopies(2000, \"y\"))\n"
                + "tech.tablesaw.api.Table.create(\"loss\", tech.tablesaw.api.DoubleColumn.create(\"v\", 0.1 + 0.2))\n"
                + "record P(double x) {}\nnew P(0.1 + 0.2)\n/exit\n");
        assertTrue(again.contains("y".repeat(2000)), again.substring(0, Math.min(300, again.length())));
        assertTrue(again.contains("==> loss — 1 row × 1 column"), "a table shows as in a notebook: " + again.substring(2000));
        assertTrue(again.contains("==> P\n  x  0.3"), "a record as key/value lines: " + again.substring(2000));
    }
}
