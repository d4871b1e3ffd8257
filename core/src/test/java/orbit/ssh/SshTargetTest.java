package orbit.ssh;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.bundle.Json;
import orbit.launch.LastRun;
import orbit.launch.LaunchOptions;
import orbit.launch.RunHandle;
import orbit.launch.RunState;
import orbit.launch.RunStatus;
import orbit.targets.Targets;
import orbit.trainer.TinyTrainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SshTargetTest {
    static final String SECRET_NAME = "DEMO_TEST_TOKEN";
    static final String SECRET_VALUE = "s3cr3t-" + Long.toHexString(System.nanoTime()) + "-value";
    static final LaunchOptions FAST = LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1));

    static Path dir;
    static LoopbackSshd sshd;
    final List<Bundle> launched = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("orbit-sshtarget-");
        sshd = LoopbackSshd.start(dir.resolve("sshd"));
    }

    @AfterAll
    static void stop() {
        if (sshd != null) sshd.close();
        orbit.ssh.LoopbackSshd.deleteDir(dir);
    }

    @AfterEach
    void stopWatchers() {
        for (Bundle b : launched) {
            SshLease.read(b.runtimeDir()).map(SshLease::watcherPid).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroy);
        }
    }

    static Bundle trainer(Path root, String name, String... args) {
        List<String> argv = new ArrayList<>(List.of("python3", "inputs/" + TinyTrainer.FILE_NAME));
        argv.addAll(List.of(args));
        JobSpec spec = new JobSpec(JobSpec.SCHEMA, name, JobSpec.Resources.none(),
                new JobSpec.Entrypoint(argv, ".", Map.of("PLAIN", "visible"), List.of(SECRET_NAME)), "python3", List.of(), null, List.of(),
                "2026-01-01T00:00:00Z", "test");
        Bundle b = Bundle.create(root.resolve(name), spec);
        TinyTrainer.writeTo(b.inputsDir());
        return b;
    }

    SshTarget target(Path remoteRoot, boolean watch, Duration syncEvery, Duration lostAfter) {
        Map<String, String> env = new HashMap<>();
        env.put(SECRET_NAME, SECRET_VALUE);
        return new SshTarget(sshd.address(), new SshTarget.Settings(sshd.options(), remoteRoot.toString(), syncEvery, lostAfter,
                false, watch, env::get, null));
    }

    @Test
    void aTrainerRunsOverSshAndItsArtifactsComeBackWithMatchingDigests(@TempDir Path tmp) throws Exception {
        Bundle b = trainer(tmp.resolve("local"), "remote-run", "--steps", "40", "--save-every", "20", "--eval-every", "20");
        Path remote = tmp.resolve("host/remote-run");
        RunHandle run = target(remote, false, Duration.ofSeconds(2), null).launch(b, FAST);
        launched.add(b);
        RunStatus st = run.waitFor(Duration.ofSeconds(90));
        assertEquals(RunState.SUCCEEDED, st.state(), st.line() + "\n" + Files.readString(b.runtimeDir().resolve("runtime.log")));
        LastRun local = LastRun.read(b.runtimeDir()).orElseThrow();
        assertEquals(sshd.address().toString(), local.target());
        assertNotNull(local.pid());
        assertNotNull(local.pgid());
        assertNotNull(local.host());

        JsonNode manifest = Json.MAPPER.readTree(b.artifactsDir().resolve("manifest.json").toFile());
        assertTrue(manifest.get("files").size() >= 4, manifest.toString());
        for (JsonNode f : manifest.get("files")) {
            Path p = b.artifactsDir().resolve(f.get("path").asText());
            assertTrue(Files.isRegularFile(p), "pulled: " + p);
            assertEquals(f.get("size").asLong(), Files.size(p), p.toString());
            assertEquals(f.get("sha256").asText(), BundleShip.sha256(p), p.toString());
        }
        assertTrue(Files.readString(b.artifactsDir().resolve("training.log")).length() > 0);
        try (Stream<Path> s = Files.walk(b.artifactsDir().resolve("checkpoints"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().equals("logging.jsonl")));
        }
        String runtimeLog = Files.readString(b.runtimeDir().resolve("runtime.log"));
        assertTrue(runtimeLog.contains("secret env " + SECRET_NAME + " is set"), "the secret reached the job: " + runtimeLog);

        // the secret's value is in no file on either side, nor in the sshd's own directory
        for (Path root : List.of(b.path(), remote, dir)) {
            assertNoFileContains(root, SECRET_VALUE);
        }

        // attach from a fresh handle (as after a kernel restart) through the target string recorded on disk
        RunHandle again = Targets.parse(local.target()).attach(b).orElseThrow();
        assertEquals(RunState.SUCCEEDED, again.status().state());
        assertFalse(again.logs(RunHandle.LogSurface.TRAINING, 5).isEmpty());
        ((AutoCloseable) run).close();
        ((AutoCloseable) again).close();
    }

    static void assertNoFileContains(Path root, String needle) throws IOException {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                byte[] content = Files.readAllBytes(p);
                assertFalse(indexOf(content, n) >= 0, "secret value found in " + p);
            }
        }
    }

    static int indexOf(byte[] hay, byte[] n) {
        outer:
        for (int i = 0; i + n.length <= hay.length; i++) {
            for (int j = 0; j < n.length; j++) if (hay[i + j] != n[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void anUnknownHostIsRefusedAtLaunchAndTrustedOnFirstUseOnlyWhenAsked(@TempDir Path tmp) throws Exception {
        Bundle b = trainer(tmp.resolve("local"), "tofu", "--steps", "5");
        Path empty = tmp.resolve("known_hosts");
        Files.writeString(empty, "");
        SshTarget strict = new SshTarget(sshd.address(), new SshTarget.Settings(sshd.options().withKnownHosts(empty),
                tmp.resolve("host/tofu").toString(), null, null, false, false, n -> SECRET_VALUE, null));
        OrbitException e = assertThrows(OrbitException.class, () -> strict.launch(b, FAST));
        assertTrue(e.getMessage().contains("orbit hosts trust 127.0.0.1:" + sshd.port()), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("host/tofu")), "nothing shipped to an unverified host");

        SshOptions noFile = new SshOptions(sshd.clientKey(), null, null, 3, null);
        SshTarget tofu = new SshTarget(sshd.address(), new SshTarget.Settings(noFile, tmp.resolve("host/tofu").toString(),
                null, null, true, false, n -> SECRET_VALUE, null));
        RunHandle run = tofu.launch(b, FAST);
        launched.add(b);
        SshLease lease = SshLease.read(b.runtimeDir()).orElseThrow();
        assertEquals(Boolean.TRUE, lease.trustedOnFirstUse());
        assertTrue(lease.hostKey().startsWith("ED25519 SHA256:"), lease.hostKey());
        assertEquals(b.runtimeDir().resolve("known_hosts").toAbsolutePath().toString(), lease.knownHosts());
        assertTrue(Files.readString(b.runtimeDir().resolve("known_hosts")).startsWith("[127.0.0.1]:" + sshd.port() + " ssh-ed25519 "));
        assertEquals(RunState.SUCCEEDED, run.waitFor(Duration.ofSeconds(60)).state());
        ((AutoCloseable) run).close();
    }

    @Test
    void aPinnedUpstreamIsCheckedOnTheHostAndADirtyOneStopsTheLaunch(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("env-src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("env.py"), "X = 1\n");
        Files.createSymbolicLink(src.resolve("alias.py"), Path.of("env.py"));
        ShipAndPullTest.git(src, "init", "-q");
        ShipAndPullTest.git(src, "add", "-A");
        ShipAndPullTest.git(src, "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "env");
        String commit = new String(new ProcessBuilder("git", "rev-parse", "HEAD").directory(src.toFile()).start().getInputStream().readAllBytes()).strip();
        Bundle b = orbit.upstream.Pinning.pin(trainer(tmp.resolve("local"), "pinned", "--steps", "5"), "env", src.toString(), commit, List.of("true")).bundle();
        SshTarget target = target(tmp.resolve("host/pinned"), false, Duration.ofSeconds(2), null);

        RunHandle clean = target.launch(b, FAST);
        launched.add(b);
        RunStatus ok = clean.waitFor(Duration.ofSeconds(90));
        assertEquals(RunState.SUCCEEDED, ok.state(), ok.line());
        assertTrue(Files.readString(b.artifactsDir().resolve("runtime-precheck.log")).contains("upstream env: clean at " + commit));
        ((AutoCloseable) clean).close();

        Path co = b.inputsDir().resolve("upstream/env");
        Files.writeString(co.resolve("env.py"), "X = 'patched'\n");
        Files.writeString(co.resolve("extra.py"), "Y = 1\n");
        RunHandle dirty = target.launch(b, FAST);
        RunStatus failed = dirty.waitFor(Duration.ofSeconds(90));
        assertEquals(RunState.PRECHECK_FAILED, failed.state(), failed.line());
        String log = Files.readString(b.artifactsDir().resolve("runtime-precheck.log"));
        assertTrue(log.contains("upstream env: modified: env.py"), log);
        assertTrue(log.contains("upstream env: untracked: extra.py"), log);
        ((AutoCloseable) dirty).close();
    }

    @Test
    void aSecondLaunchKeepsTheFirstRunsEvidenceOnBothSides(@TempDir Path tmp) throws Exception {
        Bundle b = trainer(tmp.resolve("local"), "twice", "--steps", "10");
        Path remote = tmp.resolve("host/twice");
        SshTarget target = target(remote, false, Duration.ofSeconds(2), null);
        RunHandle first = target.launch(b, FAST);
        launched.add(b);
        assertEquals(RunState.SUCCEEDED, first.waitFor(Duration.ofSeconds(60)).state());
        String firstId = first.runId();
        byte[] firstLog = Files.readAllBytes(b.artifactsDir().resolve("training.log"));
        byte[] firstManifest = Files.readAllBytes(b.artifactsDir().resolve("manifest.json"));

        RunHandle second = target.launch(b, FAST);
        assertNotEquals(firstId, second.runId());
        assertEquals(RunState.SUCCEEDED, second.waitFor(Duration.ofSeconds(60)).state());
        Path archived = b.artifactsDir().resolve("runs").resolve(firstId);
        assertArrayEquals(firstLog, Files.readAllBytes(archived.resolve("training.log")));
        assertArrayEquals(firstManifest, Files.readAllBytes(archived.resolve("manifest.json")));
        assertEquals(firstId, LastRun.read(b.runtimeDir().resolve("runs").resolve(firstId)).orElseThrow().runId());
        assertEquals(second.runId(), LastRun.read(b.runtimeDir()).orElseThrow().runId());
        assertTrue(Files.isRegularFile(remote.resolve("artifacts/runs").resolve(firstId).resolve("training.log")), "the host archived it too");
        ((AutoCloseable) first).close();
        ((AutoCloseable) second).close();
    }

    @Test
    void cancelKillsTheRemoteProcessGroup(@TempDir Path tmp) throws Exception {
        Bundle b = trainer(tmp.resolve("local"), "cancel-me", "--steps", "100000", "--step-sleep", "0.05");
        RunHandle run = target(tmp.resolve("host/cancel-me"), false, Duration.ofSeconds(5), null).launch(b, FAST);
        launched.add(b);
        awaitState(b, RunState.RUNNING, Duration.ofSeconds(30), run);
        long pgid = LastRun.read(b.runtimeDir()).orElseThrow().pgid();
        RunStatus st = run.cancel(Duration.ofSeconds(3));
        assertEquals(RunState.CANCELLED, st.state(), st.line());
        assertFalse(ProcessHandle.allProcesses().anyMatch(p -> pgidOf(p.pid()) == pgid), "no process of group " + pgid + " left");
        assertTrue(Files.isRegularFile(b.artifactsDir().resolve("manifest.json")), "manifest pulled after cancel");
        ((AutoCloseable) run).close();
    }

    static long pgidOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static void awaitState(Bundle b, RunState want, Duration within, RunHandle run) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            if (run.status().state() == want) return;
            Thread.sleep(200);
        }
        fail("run did not reach " + want + ": " + run.status().line());
    }

    static RunState localState(Bundle b) {
        try {
            return LastRun.read(b.runtimeDir()).map(LastRun::state).orElse(null);
        } catch (OrbitException e) {
            return null; // caught mid-rename
        }
    }

    @Test
    void aFrozenHostIsLostWithinTheWindowKeepsItsEvidenceAndIsReattachedWhenThawed(@TempDir Path tmp) throws Exception {
        Bundle b = trainer(tmp.resolve("local"), "freeze", "--steps", "800", "--step-sleep", "0.05", "--logging-steps", "5");
        Duration lostAfter = Duration.ofSeconds(4);
        RunHandle run = target(tmp.resolve("host/freeze"), true, Duration.ofSeconds(1), lostAfter).launch(b, FAST);
        launched.add(b);
        Path log = b.artifactsDir().resolve("training.log");
        long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        // runtime/ and artifacts/ arrive in one pull after another: wait until both show the live run
        while ((!Files.isRegularFile(log) || Files.size(log) < 200 || localState(b) != RunState.RUNNING) && System.nanoTime() < end) {
            Thread.sleep(200);
        }
        assertTrue(Files.size(log) >= 200, "the watcher pulled training.log while the run lives");
        assertEquals(RunState.RUNNING, localState(b));

        long pgid = LastRun.read(b.runtimeDir()).orElseThrow().pgid();
        sshd.signal("STOP");
        new ProcessBuilder("kill", "-STOP", "--", "-" + pgid).start().waitFor();
        long frozenAt = System.nanoTime();
        try {
            Thread.sleep(1500); // let a pull that was already under way finish or fail
            Map<Path, byte[]> before = snapshot(b);
            while (localState(b) != RunState.LOST && System.nanoTime() - frozenAt < Duration.ofSeconds(30).toNanos()) Thread.sleep(100);
            double took = (System.nanoTime() - frozenAt) / 1e9;
            LastRun lost = LastRun.read(b.runtimeDir()).orElseThrow();
            assertEquals(RunState.LOST, lost.state(), "host frozen for " + took + " s");
            System.out.printf("host frozen: recorded lost after %.1f s (window %d s): %s%n", took, lostAfter.toSeconds(), lost.reason());
            assertTrue(took <= lostAfter.toSeconds() + 4, "lost after " + took + " s, window " + lostAfter.toSeconds() + " s");
            assertTrue(lost.reason().startsWith(SshRunHandle.HOST_LOST) && lost.reason().contains("last seen"), lost.reason());
            // The post-mortem, read from the local bundle alone, names the vanished host as the likely cause.
            var postmortem = orbit.artifacts.Artifacts.of(b).postmortem();
            assertTrue(postmortem.causes().stream().anyMatch(c -> c.kind().equals("host_lost") && c.summary().contains(SshRunHandle.HOST_LOST)),
                    postmortem.toString());
            for (Map.Entry<Path, byte[]> e : before.entrySet()) {
                assertTrue(Files.isRegularFile(e.getKey()), "still there: " + e.getKey());
                byte[] now = Files.readAllBytes(e.getKey());
                assertTrue(now.length >= e.getValue().length && indexOf(now, e.getValue()) == 0 || e.getValue().length == 0,
                        "intact: " + e.getKey());
            }
        } finally {
            new ProcessBuilder("kill", "-CONT", "--", "-" + pgid).start().waitFor();
            sshd.signal("CONT");
        }
        while (localState(b) == RunState.LOST && System.nanoTime() - frozenAt < Duration.ofSeconds(60).toNanos()) Thread.sleep(200);
        assertNotEquals(RunState.LOST, localState(b), "reattached after the thaw");
        // the puller survived the reattach: the local training.log grows twice while the run goes on
        long atReattach = Files.size(log);
        long grows = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Files.size(log) <= atReattach && System.nanoTime() < grows) Thread.sleep(100);
        long later = Files.size(log);
        assertTrue(later > atReattach, "training.log grew after the reattach");
        while (Files.size(log) <= later && System.nanoTime() < grows) Thread.sleep(100);
        assertTrue(Files.size(log) > later, "and kept growing");
        assertEquals(RunState.RUNNING, localState(b), "while the run goes on");
        long done = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (localState(b) != RunState.SUCCEEDED && System.nanoTime() < done) Thread.sleep(300);
        assertEquals(RunState.SUCCEEDED, localState(b));
        // the watcher pulls once more at the end and exits
        long watcherEnd = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String watchLog = "";
        while (System.nanoTime() < watcherEnd && !(watchLog = Files.readString(b.runtimeDir().resolve(SyncWatcher.LOG))).contains("watcher done")) Thread.sleep(200);
        assertTrue(watchLog.contains("lost: ") && watchLog.contains("reattached"), watchLog);
        assertTrue(watchLog.contains("watcher done"), watchLog);
        JsonNode manifest = Json.MAPPER.readTree(b.artifactsDir().resolve("manifest.json").toFile());
        for (JsonNode f : manifest.get("files")) {
            Path p = b.artifactsDir().resolve(f.get("path").asText());
            assertEquals(f.get("sha256").asText(), BundleShip.sha256(p), p.toString());
        }
        ((AutoCloseable) run).close();
    }

    /**
     * A host whose login shell takes 2.5 s before every command (a .bashrc that initialises conda): the
     * launch, the watcher's probes and pulls and the wait all take that in their stride, and the run, whose
     * loss window (three 1 s heartbeats) is barely longer than one command, is never recorded lost.
     */
    @Test
    @org.junit.jupiter.api.Timeout(300)
    void aHostWhoseLoginShellTakesSecondsRunsToTheEndWithoutAFalseLost(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to add a host user");
        String user = "orbitslow" + Long.toHexString(System.nanoTime() & 0xffffff);
        Path home = tmp.resolve("slowhome");
        Files.createDirectories(home);
        Files.writeString(home.resolve(".bashrc"), "sleep 2.5\n");
        runOk("useradd", "-M", "-p", "*", "-d", home.toString(), "-s", "/bin/bash", user);
        try {
            runOk("chown", "-R", user, home.toString());
            // the path to the home must be passable for that user
            runOk("chmod", "o+x", tmp.toString());
            // sshd reads the authorized keys as the user: let it through the stand-in host's private directory
            runOk("chmod", "o+x", dir.toString(), sshd.dir().toString());
            runOk("chmod", "o+r", sshd.dir().resolve("authorized_keys").toString());
            Bundle b = trainer(tmp.resolve("local"), "slow", "--steps", "100", "--step-sleep", "0.1", "--logging-steps", "5");
            Map<String, String> env = Map.of(SECRET_NAME, SECRET_VALUE);
            SshTarget target = new SshTarget(new SshAddress(user, "127.0.0.1", sshd.port()), new SshTarget.Settings(sshd.options(),
                    "~/orbit/slow", Duration.ofSeconds(1), null, false, true, env::get, null));
            long t0 = System.nanoTime();
            RunHandle run = target.launch(b, FAST);
            launched.add(b);
            System.out.printf("slow login shell: launch took %.1f s%n", (System.nanoTime() - t0) / 1e9);
            List<RunState> seen = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            RunState st;
            while ((st = localState(b)) != RunState.SUCCEEDED && System.nanoTime() < end) {
                if (st != null && (seen.isEmpty() || seen.get(seen.size() - 1) != st)) seen.add(st);
                Thread.sleep(100);
            }
            String watchLog = Files.isRegularFile(b.runtimeDir().resolve(SyncWatcher.LOG)) ? Files.readString(b.runtimeDir().resolve(SyncWatcher.LOG)) : "";
            assertEquals(RunState.SUCCEEDED, st, "states " + seen + "\n" + watchLog);
            assertFalse(seen.contains(RunState.LOST), "no false lost: " + seen + "\n" + watchLog);
            assertFalse(watchLog.contains("lost: "), watchLog);
            run.sync();
            RunStatus done = run.waitFor(Duration.ofSeconds(60));
            assertEquals(RunState.SUCCEEDED, done.state(), done.line());
            assertTrue(Files.size(b.artifactsDir().resolve("training.log")) > 0);
            assertTrue(SshLease.read(b.runtimeDir()).orElseThrow().roundTripMs() >= 2500, "the host's slowness is measured");
            ((AutoCloseable) run).close();
        } finally {
            for (Bundle b : launched) {
                SshLease.read(b.runtimeDir()).map(SshLease::watcherPid).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroy);
            }
            // nothing of the user's may outlive the test
            ProcessHandle.allProcesses().filter(p -> user.equals(p.info().user().orElse(null))).forEach(ProcessHandle::destroyForcibly);
            runOk("userdel", user);
        }
    }

    static void runOk(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", argv) + ": " + out);
    }

    static Map<Path, byte[]> snapshot(Bundle b) throws IOException {
        Map<Path, byte[]> m = new HashMap<>();
        for (Path area : List.of(b.runtimeDir(), b.artifactsDir())) {
            try (Stream<Path> s = Files.walk(area)) {
                for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                    String rel = b.path().relativize(p).toString();
                    if (EvidencePull.CONTROL_FILES.contains(rel) || p.getFileName().toString().startsWith(".")) continue;
                    m.put(p, Files.readAllBytes(p));
                }
            }
        }
        return m;
    }
}
