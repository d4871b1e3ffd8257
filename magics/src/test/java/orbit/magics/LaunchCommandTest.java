package orbit.magics;

import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.trainer.TinyTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** `orbit launch ...` through the real command grammar, in this JVM and in fresh `orbit` processes. */
class LaunchCommandTest {
    @TempDir
    Path root;

    record Result(int code, String out, String err) {}

    private Result orbit(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Commands.run(new TerminalConsole(new PrintWriter(out, true), new PrintWriter(err, true)),
                concat("--root", root.toString(), args));
        return new Result(code, out.toString(), err.toString());
    }

    private static List<String> concat(String a, String b, String... rest) {
        List<String> all = new ArrayList<>(List.of(a, b));
        all.addAll(List.of(rest));
        return all;
    }

    /** A fresh `orbit` JVM, as a user typing the command in another terminal. */
    private ProcessBuilder orbitProcess(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--root", root.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    private Bundle trainerBundle(String name, String... trainerArgs) {
        List<String> argv = new ArrayList<>(List.of("python3", "inputs/" + TinyTrainer.FILE_NAME));
        argv.addAll(List.of(trainerArgs));
        Bundle b = Bundle.create(root.resolve(name), new JobSpec(JobSpec.SCHEMA, name, JobSpec.Resources.none(),
                new JobSpec.Entrypoint(argv, ".", Map.of(), List.of()), "python3", List.of(), null, List.of(), "2026-01-01T00:00:00Z", "test"));
        TinyTrainer.writeTo(b.inputsDir());
        return b;
    }

    @Test
    void cliKilledMidRunAndStartedAgainReportsTheLiveRun() throws Exception {
        trainerBundle("live", "--steps", "100000", "--step-sleep", "0.01");
        Process launch = orbitProcess("launch", "live", "--heartbeat", "1s").start();
        String launched = new String(launch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, launch.waitFor(), launched);
        Matcher m = Pattern.compile("launched run (\\S+) of live").matcher(launched);
        assertTrue(m.find(), launched);
        String runId = m.group(1);

        Process follower = orbitProcess("launch", "logs", "live", "--follow").start();
        try {
            awaitOutput(follower.getInputStream(), "step ");
        } finally {
            follower.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: the CLI dies mid-run
        }

        Process status = orbitProcess("launch", "status", "live").start();
        String text = new String(status.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, status.waitFor(), text);
        assertTrue(text.contains("run " + runId + " of live: running"), text);
        assertTrue(Pattern.compile("pid \\d+ alive").matcher(text).find(), text);

        Result cancel = orbit("launch", "cancel", "live", "--grace", "5s");
        assertEquals(0, cancel.code(), cancel.err());
        assertTrue(cancel.out().contains(": cancelled"), cancel.out());
    }

    @Test
    void secretEnvReachesTheProgramButIsNeverWrittenIntoTheBundle() throws Exception {
        String secret = "s3cr3t-" + System.nanoTime();
        Bundle b = Bundle.create(root.resolve("sec"), new JobSpec(JobSpec.SCHEMA, "sec", JobSpec.Resources.none(),
                new JobSpec.Entrypoint(List.of("python3", "-c",
                        "import os, hashlib; print('secret sha256', hashlib.sha256(os.environ['DEMO_TEST_SECRET'].encode()).hexdigest())"),
                        ".", Map.of(), List.of("DEMO_TEST_SECRET")), "python3", List.of(), null, List.of(), "2026-01-01T00:00:00Z", "test"));
        ProcessBuilder pb = orbitProcess("launch", "sec", "--heartbeat", "1s");
        pb.environment().put("DEMO_TEST_SECRET", secret);
        Process launch = pb.start();
        String out = new String(launch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, launch.waitFor(), out);
        Result wait = orbit("launch", "wait", "sec", "--timeout", "60s");
        assertEquals(0, wait.code(), wait.out() + wait.err());
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        assertTrue(Files.readString(b.artifactsDir().resolve("training.log")).contains("secret sha256 " + expected));
        assertTrue(Files.readString(b.runtimeDir().resolve("runtime.log")).contains("secret env DEMO_TEST_SECRET is set"));
        try (var files = Files.walk(b.path())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(secret), "secret written to " + f);
            }
        }
    }

    private static void awaitOutput(InputStream in, String needle) throws IOException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int c;
        while (System.nanoTime() < deadline && (c = in.read()) >= 0) {
            seen.append((char) c);
            if (seen.indexOf(needle) >= 0) return;
        }
        fail("never saw '" + needle + "' in: " + seen);
    }

    @Test
    void waitExitsNonZeroWhenTheRunFailedAndLogsShowTheTraceback() {
        trainerBundle("crash", "--steps", "40", "--crash-at-step", "3");
        assertEquals(0, orbit("launch", "crash", "--heartbeat", "1s").code());
        Result wait = orbit("launch", "wait", "crash", "--timeout", "60s");
        assertEquals(Commands.FAILED, wait.code(), wait.out() + wait.err());
        assertTrue(wait.out().contains(": failed"), wait.out());
        assertTrue(wait.out().contains("exit code 1"), wait.out());
        assertEquals(1, wait.err().lines().count(), wait.err());
        Result logs = orbit("launch", "logs", "crash");
        assertTrue(logs.out().contains("RuntimeError: simulated crash at step 3"), logs.out());
        Result runtime = orbit("launch", "logs", "crash", "--file", "runtime");
        assertTrue(runtime.out().contains("finalize: state=failed"), runtime.out());
    }

    @Test
    @org.junit.jupiter.api.Timeout(120)
    void interruptingAWaitSaysTheRunContinuesAndHowToWatchIt() throws Exception {
        trainerBundle("long", "--steps", "100000", "--step-sleep", "0.05");
        assertEquals(0, orbit("launch", "long", "--heartbeat", "1s").code());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
        TerminalConsole terminal = new TerminalConsole(new PrintWriter(out, true), new PrintWriter(err, true));
        // a notebook's console: hints name magics, and the test learns when the wait has begun
        Console notebook = new Console() {
            public PrintWriter out() { return terminal.out(); }
            public PrintWriter err() { return terminal.err(); }
            public void display(Object value) { terminal.display(value); }
            public Display displayUpdatable(Object initial) {
                Display d = terminal.displayUpdatable(initial);
                waiting.countDown();
                return d;
            }
            public void bind(String variable, Object value) { }
            public String hint(String message) { return message.replace("`orbit ", "`%"); }
        };
        int[] code = {-1};
        Thread waiter = new Thread(() -> code[0] = Commands.run(notebook, List.of("--root", root.toString(), "launch", "wait", "long")));
        waiter.start();
        try {
            assertTrue(waiting.await(60, TimeUnit.SECONDS), out + err.toString());
            waiter.interrupt();
            waiter.join(30_000);
            assertEquals(Commands.INTERRUPTED, code[0], out + err.toString());
            String status = orbit("launch", "status", "long").out();
            assertTrue(err.toString().matches("stopped waiting; run \\S+ of long continues: watch it with `%launch wait long`"
                    + " or `%launch logs long --follow`\\R"), err.toString());
            assertFalse(err.toString().contains("InterruptedException"), err.toString());
            assertFalse(status.matches("(?s).*(succeeded|failed|cancelled).*"), "the run goes on: " + status);
        } finally {
            orbit("launch", "cancel", "long", "--grace", "2s");
        }
    }

    @Test
    void waitExitsZeroWhenTheRunSucceeded() {
        trainerBundle("ok", "--steps", "10");
        assertEquals(0, orbit("launch", "ok", "--heartbeat", "1s").code());
        Result wait = orbit("launch", "wait", "ok", "--timeout", "60s");
        assertEquals(0, wait.code(), wait.out() + wait.err());
        assertTrue(wait.out().contains(": succeeded"), wait.out());
    }

    @Test
    void secondLaunchIsRefusedWithOneErrorLine() {
        trainerBundle("busy", "--steps", "100000", "--step-sleep", "0.01");
        assertEquals(0, orbit("launch", "busy", "--heartbeat", "1s").code());
        try {
            Result again = orbit("launch", "busy");
            assertEquals(Commands.FAILED, again.code());
            assertEquals(1, again.err().lines().count(), again.err());
            assertTrue(again.err().startsWith("orbit: error: bundle busy is already running"), again.err());
        } finally {
            orbit("launch", "cancel", "busy", "--grace", "5s");
        }
    }

    @Test
    void statusOfANeverLaunchedBundleIsOneLineThatSaysWhatToDo() {
        trainerBundle("fresh");
        Result st = orbit("launch", "status", "fresh");
        assertEquals(Commands.FAILED, st.code());
        assertEquals("orbit: error: bundle fresh has never been launched: start it with `orbit launch fresh`", st.err().strip());
    }

    @Test
    void unknownTargetIsOneLine() {
        trainerBundle("t");
        Result r = orbit("launch", "t", "--target", "moon");
        assertEquals(Commands.FAILED, r.code());
        assertEquals("orbit: error: unknown target moon: use --target local, --target ssh://user@host[:port], --target slurm or --target slurm+ssh://user@login-host[:port]", r.err().strip());
    }

    @Test
    void slurmTargetRefusesSecretEnvInOneLineBeforeSubmitting() {
        Bundle b = Bundle.create(root.resolve("sec"), JobSpec.builder("sec", List.of("true")).secretEnv("HF_TOKEN").build());
        Result r = orbit("launch", "sec", "--target", "slurm");
        assertEquals(Commands.FAILED, r.code());
        assertTrue(r.err().strip().startsWith("orbit: error: bundle sec has secret_env HF_TOKEN, which cannot go to Slurm: "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(b.runtimeDir().resolve("last_run.json")), "nothing was submitted");
    }

    @Test
    void exampleTinyTrainerWritesARunnableTrainer() throws Exception {
        Path out = root.resolve("ex");
        Result r = orbit("example", "tiny-trainer", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Path file = out.resolve(TinyTrainer.FILE_NAME);
        assertEquals(file.toAbsolutePath().normalize().toString(), r.out().strip());
        Process p = new ProcessBuilder("python3", file.toString(), "--steps", "5", "--output-dir", out.resolve("ck").toString())
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), text);
        try (var s = Files.list(out.resolve("ck"))) {
            Path v0 = s.findFirst().orElseThrow();
            assertTrue(Files.isRegularFile(v0.resolve("logging.jsonl")));
        }
    }
}
