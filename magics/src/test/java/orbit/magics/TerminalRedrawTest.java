package orbit.magics;

import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.trainer.TinyTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Updatable output on a terminal is redrawn in place; piped, it is plain lines. The terminal runs are real: the CLI
 * in a fresh JVM under a pseudo-terminal made by util-linux `script`.
 */
class TerminalRedrawTest {
    static final String ESC = "\u001b[";

    @TempDir
    Path root;

    @Test
    void onATerminalAnUpdateRedrawsTheBlockInPlace() {
        StringWriter out = new StringWriter();
        Console c = new TerminalConsole(new PrintWriter(out), new PrintWriter(new StringWriter()), true);
        Console.Display d = c.displayUpdatable("gpu 0  10 MiB\ngpu 1  20 MiB");
        d.update("gpu 0  10 MiB\ngpu 1  20 MiB"); // unchanged: nothing drawn
        d.update("gpu 0  11 MiB\ngpu 1  21 MiB");
        String s = out.toString();
        assertEquals(TerminalConsole.WRAP_OFF + TerminalConsole.CLEAR_BELOW + "gpu 0  10 MiB\ngpu 1  20 MiB\n" + TerminalConsole.WRAP_ON
                + TerminalConsole.WRAP_OFF + ESC + "2A" + TerminalConsole.CLEAR_BELOW + "gpu 0  11 MiB\ngpu 1  21 MiB\n" + TerminalConsole.WRAP_ON, s);
    }

    @Test
    void offATerminalEachChangeIsAPlainLine() {
        StringWriter out = new StringWriter();
        Console c = new TerminalConsole(new PrintWriter(out), new PrintWriter(new StringWriter()), false);
        Console.Display d = c.displayUpdatable("step 1/3");
        d.update("step 1/3");
        d.update("step 2/3");
        assertEquals("step 1/3\nstep 2/3\n", out.toString());
    }

    private List<String> orbit(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--root", root.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a command under a pseudo-terminal (stdin and stdout a tty, TERM=xterm); returns what the terminal got. */
    private static String onTerminal(List<String> cmd) throws Exception {
        return onTerminal(cmd, 0);
    }

    private static String onTerminal(List<String> cmd, int expectedCode) throws Exception {
        String line = String.join(" ", cmd.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
        ProcessBuilder pb = new ProcessBuilder("script", "-qefc", line, "/dev/null").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("TERM", "xterm");
        return run(pb, expectedCode);
    }

    private static String piped(List<String> cmd) throws Exception {
        return piped(cmd, 0);
    }

    private static String piped(List<String> cmd, int expectedCode) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        return run(pb, expectedCode);
    }

    private static String run(ProcessBuilder pb, int expectedCode) throws Exception {
        Process p = pb.start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "command ended");
            String s = new String(out, StandardCharsets.UTF_8);
            assertEquals(expectedCode, p.exitValue(), s);
            return s;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void nvmlWatchRedrawsOneTableOnATerminalAndPrintsTablesWhenPiped() throws Exception {
        String tty = onTerminal(orbit("nvml", "--simulate", "2", "--watch", "100ms", "--count", "3"));
        assertTrue(tty.contains(TerminalConsole.CLEAR_BELOW) && tty.matches("(?s).*\u001b\\[\\d+A.*"), tty);
        String piped = piped(orbit("nvml", "--simulate", "2", "--watch", "100ms", "--count", "3"));
        assertFalse(piped.contains("\u001b"), piped);
        assertTrue(piped.contains("SIMULATED"), piped);
    }

    @Test
    void launchWaitRedrawsOneLineOnATerminalAndPrintsLinesWhenPiped() throws Exception {
        // a run that outlasts the waits: each wait watches it progress for 4 s, then gives up (exit 1)
        Bundle b = Bundle.create(root.resolve("long"), new JobSpec(JobSpec.SCHEMA, "long", JobSpec.Resources.none(),
                new JobSpec.Entrypoint(List.of("python3", "inputs/" + TinyTrainer.FILE_NAME, "--steps", "100000", "--step-sleep", "0.02",
                        "--logging-steps", "1"), ".", Map.of(), List.of()), "python3", List.of(), null, List.of(), "2026-01-01T00:00:00Z", "test"));
        TinyTrainer.writeTo(b.inputsDir());
        Console quiet = new TerminalConsole(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        assertEquals(0, Commands.run(quiet, List.of("--root", root.toString(), "launch", "long", "--heartbeat", "1s")));
        try {
            String tty = onTerminal(orbit("launch", "wait", "long", "--timeout", "4s"), Commands.FAILED);
            assertTrue(tty.contains(ESC + "1A" + TerminalConsole.CLEAR_BELOW), "the progress line is redrawn over itself: " + tty);
            String piped = piped(orbit("launch", "wait", "long", "--timeout", "4s"), Commands.FAILED);
            assertFalse(piped.contains("\u001b"), piped);
            assertTrue(piped.contains("long running: step"), piped);
        } finally {
            Commands.run(quiet, List.of("--root", root.toString(), "launch", "cancel", "long", "--grace", "2s"));
        }
    }
}
