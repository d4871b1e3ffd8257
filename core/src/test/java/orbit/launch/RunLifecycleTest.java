package orbit.launch;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.BundleArchive;
import orbit.bundle.BundleRoot;
import orbit.bundle.JobSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** The run lifecycle under faults, with real processes: max_runtime, a killed supervisor, forged runtime state. */
class RunLifecycleTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A job that ignores SIGTERM (and so do the sleeps it starts): only SIGKILL ends it. */
    private static final List<String> STUBBORN = List.of("bash", "-c", "trap '' TERM; echo started; while :; do sleep 0.1; done");

    @TempDir
    Path dir;

    private final List<Process> decoys = new ArrayList<>();
    private final List<Long> groups = new ArrayList<>();

    @AfterEach
    void leaveNothingBehind() throws Exception {
        for (Process p : decoys) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        for (long g : groups) {
            if (!ProcessTable.group(g).isEmpty()) ProcessTable.signalGroup(g, "KILL");
            poll(() -> ProcessTable.group(g).isEmpty(), Duration.ofSeconds(10), "group " + g + " still alive");
        }
    }

    private Bundle bundle(String name, List<String> argv, String maxRuntime) {
        JobSpec.Builder spec = JobSpec.builder(name, argv).python("python3");
        if (maxRuntime != null) spec.maxRuntime(maxRuntime);
        return Bundle.create(dir.resolve(name), spec.build());
    }

    @Test
    @Timeout(60)
    void maxRuntimeEndsALongRunWithStateTimeout() throws Exception {
        Bundle b = TestBundles.trainer(dir, "base", "--steps", "1"); // for the trainer file only
        Bundle slow = bundle("slow", List.of("python3", b.inputsDir().resolve(orbit.trainer.TinyTrainer.FILE_NAME).toString(),
                "--steps", "1000000", "--step-sleep", "0.01"), "3s");
        long t0 = System.nanoTime();
        RunHandle run = new LocalTarget().launch(slow, TestBundles.FAST);
        groups.add(run.status().run().pgid());
        RunStatus st = run.waitFor(WAIT);
        double took = (System.nanoTime() - t0) / 1e9;
        assertEquals(RunState.TIMEOUT, st.state(), st::line);
        assertEquals("timeout", st.state().wire());
        assertTrue(st.run().reason().contains("max_runtime 3s exceeded"), st.run().reason());
        assertTrue(took < 3 + 10, "took " + took + " s");
        assertTrue(LocalTargetTest.read(slow.runtimeDir().resolve("runtime.log")).contains("max_runtime 3s reached in state running"));
        long pgid = st.run().pgid();
        poll(() -> ProcessTable.group(pgid).isEmpty(), Duration.ofSeconds(20), () -> "processes of the timed-out run still alive: " + ps(pgid));
        LocalTargetTest.assertManifestMatches(slow);
    }

    @Test
    @Timeout(60)
    void maxRuntimeKillsAJobThatIgnoresSigtermAfterTheGrace() throws Exception {
        Bundle b = bundle("stubborn", STUBBORN, "4s");
        RunHandle run = new LocalTarget().launch(b, TestBundles.FAST.withStopGrace(Duration.ofSeconds(1)));
        groups.add(run.status().run().pgid());
        RunStatus st = run.waitFor(WAIT);
        assertEquals(RunState.TIMEOUT, st.state(), st::line);
        assertEquals("SIGKILL", st.run().signal(), st::line);
    }

    @Test
    @Timeout(90)
    void killMinus9OfTheSupervisorTakesTheRunDownAndARelaunchWaitsForIt() throws Exception {
        Bundle b = bundle("orphan", STUBBORN, null);
        LocalTarget target = new LocalTarget();
        RunHandle run = target.launch(b, TestBundles.FAST.withStopGrace(Duration.ofSeconds(8)));
        poll(() -> run.status().state() == RunState.RUNNING, WAIT, "never running");
        LastRun rec = run.status().run();
        long pgid = rec.pgid();
        groups.add(pgid);
        poll(() -> ProcessTable.runGroup(pgid, rec.runId()).size() >= 3, WAIT, "launch.sh, its guard, heartbeat and job not all up");

        assertTrue(ProcessHandle.of(rec.pid()).orElseThrow().destroyForcibly()); // SIGKILL: no trap runs
        poll(() -> !ProcessTable.isRun(rec.pid(), rec.pgid(), rec.pidStartTicks(), rec.runId()), WAIT, "launch.sh survived SIGKILL");

        // the job ignores SIGTERM, so its group lives until the guard's SIGKILL 8 s later: no terminal state, no relaunch
        assertFalse(ProcessTable.runGroup(pgid, rec.runId()).isEmpty());
        RunStatus meanwhile = run.status();
        assertFalse(meanwhile.state().terminal(), meanwhile::line);
        assertFalse(meanwhile.alive());
        OrbitException refused = assertThrows(OrbitException.class, () -> target.launch(b, TestBundles.FAST));
        assertEquals(1, refused.getMessage().lines().count());
        assertTrue(refused.getMessage().contains("already running"), refused.getMessage());

        poll(() -> ProcessTable.group(pgid).isEmpty(), Duration.ofSeconds(40), "processes of the run survived its supervisor");
        RunStatus after = run.status();
        assertEquals(RunState.LOST, after.state(), after::line);
        // the heartbeat loop was a member of that group: with the group gone nothing "proves" liveness any more

        RunHandle again = target.launch(b, TestBundles.FAST);
        groups.add(again.status().run().pgid());
        assertNotEquals(run.runId(), again.runId());
        RunStatus cancelled = again.cancel(Duration.ofSeconds(1));
        assertEquals(RunState.CANCELLED, cancelled.state(), () -> cancelled.line() + "\n" + LocalTargetTest.read(b.runtimeDir().resolve("runtime.log")));
    }

    @Test
    @Timeout(60)
    void aForgedLastRunNeverSignalsADecoy() throws Exception {
        Bundle b = bundle("forged", List.of("true"), null);
        Process decoy = decoy(false, null);
        long pid = decoy.pid();
        long myGroup = Long.parseLong(stat(ProcessHandle.current().pid())[2]);
        for (long pgid : List.of(pid, myGroup, 1L)) {
            forge(b, pid, pgid, stat(pid)[19], "20260101T000000Z-dead");
            RunHandle h = new LocalTarget().attach(b).orElseThrow();
            RunStatus st = h.status();
            assertFalse(st.alive(), "pgid " + pgid + ": " + st.line());
            h.cancel(Duration.ofMillis(200));
            assertTrue(decoy.isAlive(), "the decoy was signalled through pgid " + pgid);
            Files.delete(b.runtimeDir().resolve("last_run.json"));
        }
    }

    @Test
    @Timeout(60)
    void importedRuntimeIsNeverLiveNorSignalledEvenWhenEverythingMatches() throws Exception {
        Bundle b = bundle("travelled", List.of("true"), null);
        String runId = "20260101T000000Z-beef";
        Process decoy = decoy(true, runId); // its own group, and it carries the run's marker: only the import mark saves it
        long pid = decoy.pid();
        forge(b, pid, pid, stat(pid)[19], runId);
        assertTrue(new LocalTarget().attach(b).orElseThrow().status().alive(), "the decoy passes every process check");

        Path archive = dir.resolve("travelled.tar.gz");
        BundleArchive.export(b, archive);
        Bundle imported = BundleArchive.importArchive(archive, new BundleRoot(dir.resolve("elsewhere"))).bundle();
        RunHandle h = new LocalTarget().attach(imported).orElseThrow();
        RunStatus st = h.status();
        assertFalse(st.alive(), st::line);
        assertTrue(st.state().terminal(), st::line);
        assertTrue(st.run().reason().contains("imported"), st::line);
        h.cancel(Duration.ofMillis(200));
        assertTrue(decoy.isAlive(), "an imported run's pid was signalled");
        assertEquals(RunState.RUNNING, LastRun.read(imported.runtimeDir()).orElseThrow().state(), "imported evidence is not rewritten");
    }

    @Test
    @Timeout(60)
    void aStagedInputThatChangedAfterStagingStopsTheLaunchInOneLine() throws Exception {
        Path marker = dir.resolve("ran");
        Bundle b = bundle("changed", List.of("touch", marker.toString()), null);
        Path source = dir.resolve("data.txt");
        Files.writeString(source, "staged bytes\n");
        orbit.bundle.Inputs.of(b).stage(source, "data.txt", false);
        // the staged copy shares its inode with the source when staging linked it; either way it is edited in place
        Files.writeString(b.inputsDir().resolve("data.txt"), "other bytes\n", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        OrbitException e = assertThrows(OrbitException.class, () -> new LocalTarget().launch(b, TestBundles.FAST));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("inputs/data.txt: content changed since it was staged"), e.getMessage());
        assertFalse(Files.exists(b.runtimeDir().resolve(LastRun.FILE)), "nothing was started");
        assertFalse(Files.exists(marker));
    }

    /** A `sleep` that is nobody's run; with {@code ownGroup} it leads its own session (pgid == pid). */
    private Process decoy(boolean ownGroup, String marker) throws IOException {
        List<String> argv = new ArrayList<>(ownGroup ? List.of("setsid", "sleep", "300") : List.of("sleep", "300"));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (marker != null) pb.environment().put(ProcessTable.RUN_MARKER, marker);
        Process p = pb.start();
        decoys.add(p);
        return p;
    }

    private static void forge(Bundle b, long pid, long pgid, String ticks, String runId) {
        new LastRun(LastRun.SCHEMA, runId, "local", RunState.RUNNING, "somewhere", pid, pgid, ticks,
                "2026-01-01T00:00:00.000Z", null, null, null, null, "0".repeat(64), null).write(b.runtimeDir());
    }

    private static String ps(long pgid) {
        StringBuilder sb = new StringBuilder();
        for (long p : ProcessTable.group(pgid)) {
            try {
                sb.append(p).append(' ').append(Files.readString(Path.of("/proc", Long.toString(p), "stat"))).append(Files.readString(Path.of("/proc", Long.toString(p), "cmdline")).replace('\0', ' ')).append("; ");
            } catch (IOException e) {
                sb.append(p).append(" gone; ");
            }
        }
        return sb.toString();
    }

    /** Fields of /proc/PID/stat after the command name: [2] is the pgrp, [19] the start ticks. */
    private static String[] stat(long pid) throws IOException {
        String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
    }

    private static void poll(BooleanSupplier done, Duration within, String failure) throws InterruptedException {
        poll(done, within, () -> failure);
    }

    private static void poll(BooleanSupplier done, Duration within, java.util.function.Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, failure);
            Thread.sleep(50);
        }
    }
}
