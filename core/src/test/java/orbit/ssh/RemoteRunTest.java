package orbit.ssh;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.launch.LastRun;
import orbit.launch.LaunchOptions;
import orbit.launch.RunHandle;
import orbit.launch.RunState;
import orbit.launch.RunStatus;
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
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The remote run's logic (ship, start, probe, pull, watch, lose, reattach) against a host made of local
 * processes ({@link LocalHost}) through the {@link Transport} seam: no sshd, the faults are exact.
 * {@link SshTargetTest} keeps one real-sshd test per behaviour.
 */
@Timeout(180)
class RemoteRunTest {
    static final LaunchOptions FAST = LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1));

    final List<Thread> watchers = new ArrayList<>();
    final List<SyncWatcher> stoppable = new ArrayList<>();
    final List<RunHandle> runs = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (SyncWatcher w : stoppable) w.stop();
        for (Thread t : watchers) t.join(60_000);
        for (RunHandle r : runs) {
            try {
                if (!r.status().state().terminal()) r.cancel(Duration.ofSeconds(2));
            } catch (OrbitException e) {
                // the host is gone with the test: nothing of it runs
            }
            ((AutoCloseable) r).close();
        }
    }

    SshTarget target(LocalHost host, Path remote, Duration syncEvery, Duration lostAfter) {
        return new SshTarget(host.address(), new SshTarget.Settings(SshOptions.defaults(), remote.toString(), syncEvery, lostAfter,
                false, false, n -> SshTargetTest.SECRET_VALUE, null)).via(host);
    }

    RunHandle launch(SshTarget t, Bundle b) {
        RunHandle run = t.launch(b, FAST);
        runs.add(run);
        return run;
    }

    SyncWatcher watch(Bundle b, LocalHost host) {
        SyncWatcher w = new SyncWatcher(b, host);
        Thread t = new Thread(() -> {
            try {
                w.run();
            } catch (InterruptedException ignored) {
                // stopped with the test
            }
        }, "test-watcher");
        t.setDaemon(true);
        t.start();
        stoppable.add(w);
        watchers.add(t);
        return w;
    }

    static void await(String what, Duration within, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) fail("not within " + within.toSeconds() + " s: " + what);
            Thread.sleep(50);
        }
    }

    static long size(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    static String watchLog(Bundle b) {
        try {
            Path f = b.runtimeDir().resolve(SyncWatcher.LOG);
            return Files.isRegularFile(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void afterAReattachThePullsGoOnAndTheLocalLogGrowsWhileTheRunLives(@TempDir Path tmp) throws Exception {
        LocalHost host = new LocalHost(tmp.resolve("home"));
        Bundle b = SshTargetTest.trainer(tmp.resolve("local"), "thaw", "--steps", "100000", "--step-sleep", "0.01", "--logging-steps", "5");
        Duration lostAfter = Duration.ofSeconds(2);
        RunHandle run = launch(target(host, tmp.resolve("host/thaw"), Duration.ofMillis(300), lostAfter), b);
        watch(b, host);
        Path log = b.artifactsDir().resolve("training.log");
        await("training.log pulled while the run lives", Duration.ofSeconds(60),
                () -> size(log) > 200 && SshTargetTest.localState(b) == RunState.RUNNING);

        long frozenAt = System.nanoTime();
        host.freeze();
        try {
            await("lost after the window", Duration.ofSeconds(30), () -> SshTargetTest.localState(b) == RunState.LOST);
        } finally {
            host.thaw();
        }
        double took = (System.nanoTime() - frozenAt) / 1e9;
        assertTrue(took >= lostAfter.toMillis() / 1000.0, "lost only after --lost-after of silence, not after " + took + " s");
        LastRun lost = LastRun.read(b.runtimeDir()).orElseThrow();
        assertTrue(lost.reason().startsWith(SshRunHandle.HOST_LOST), lost.reason());

        await("running again after the thaw", Duration.ofSeconds(30), () -> SshTargetTest.localState(b) == RunState.RUNNING);
        long atReattach = size(log);
        // the puller survived the reattach: the local copy grows twice more while the run still runs
        await("training.log grows after the reattach", Duration.ofSeconds(30), () -> size(log) > atReattach);
        long later = size(log);
        await("and keeps growing", Duration.ofSeconds(30), () -> size(log) > later);
        assertEquals(RunState.RUNNING, SshTargetTest.localState(b), "the run goes on");
        String w = watchLog(b);
        assertTrue(w.contains("lost: ") && w.contains("reattached"), w);

        RunStatus st = run.cancel(Duration.ofSeconds(3));
        assertEquals(RunState.CANCELLED, st.state(), st.line());
    }

    @Test
    void aHostWhoseShellTakesSecondsIsSlowNotLost(@TempDir Path tmp) throws Exception {
        LocalHost host = new LocalHost(tmp.resolve("home"));
        host.slowShell("sleep 2.5");
        Bundle b = SshTargetTest.trainer(tmp.resolve("local"), "slow", "--steps", "120", "--step-sleep", "0.1", "--logging-steps", "5");
        // lost after three heartbeats (3 s): barely more than one command takes on this host
        long t0 = System.nanoTime();
        RunHandle run = launch(target(host, tmp.resolve("host/slow"), Duration.ofSeconds(1), null), b);
        System.out.printf("slow host: launch took %.1f s%n", (System.nanoTime() - t0) / 1e9);
        watch(b, host);
        List<RunState> seen = new ArrayList<>();
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        RunState s;
        while ((s = SshTargetTest.localState(b)) != RunState.SUCCEEDED && System.nanoTime() < end) {
            if (s != null && (seen.isEmpty() || seen.get(seen.size() - 1) != s)) seen.add(s);
            Thread.sleep(50);
        }
        System.out.println("slow host: states " + seen + "\n" + watchLog(b));
        assertEquals(RunState.SUCCEEDED, s, "states seen: " + seen + "\n" + watchLog(b));
        assertFalse(seen.contains(RunState.LOST), "no false lost: " + seen + "\n" + watchLog(b));
        assertFalse(watchLog(b).contains("lost: "), watchLog(b));
        SshLease lease = SshLease.read(b.runtimeDir()).orElseThrow();
        assertTrue(lease.roundTripMs() >= 2500, "the host's slowness is measured: " + lease.roundTripMs() + " ms");
        orbit.launch.Pulled p = run.sync();
        assertEquals(RunState.SUCCEEDED, run.waitFor(Duration.ofSeconds(30)).state());
        assertNotNull(p.detail());
    }

    @Test
    void syncSaysWhatItPulled(@TempDir Path tmp) throws Exception {
        LocalHost host = new LocalHost(tmp.resolve("home"));
        Bundle b = SshTargetTest.trainer(tmp.resolve("local"), "sync", "--steps", "20");
        RunHandle run = launch(target(host, tmp.resolve("host/sync"), Duration.ofSeconds(30), null), b);
        // waitFor pulls once more at the end: from then on a sync has nothing new to bring
        Path remote = tmp.resolve("host/sync");
        await("the run ends on the host", Duration.ofSeconds(60), () -> {
            try {
                return LastRun.read(remote.resolve("runtime")).map(r -> r.state().terminal()).orElse(false)
                        && Files.isRegularFile(remote.resolve("artifacts/manifest.json"));
            } catch (OrbitException e) {
                return false;
            }
        });
        orbit.launch.Pulled first = run.sync();
        assertTrue(first.files() >= 3, first.toString());
        long expected = 0;
        for (String f : List.of("artifacts/training.log", "artifacts/manifest.json")) expected += Files.size(remote.resolve(f));
        assertTrue(first.bytes() >= expected, first + " covers at least training.log and manifest.json (" + expected + " bytes)");
        assertEquals(Files.size(remote.resolve("artifacts/training.log")), Files.size(b.artifactsDir().resolve("training.log")));
        orbit.launch.Pulled again = run.sync();
        assertEquals(0, again.files(), again.toString());
        assertEquals(0, again.bytes(), again.toString());
        assertEquals(RunState.SUCCEEDED, run.status().state());
    }
}
