package orbit.slurm;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.launch.LastRun;
import orbit.launch.LaunchOptions;
import orbit.launch.Launcher;
import orbit.launch.RunHandle;
import orbit.launch.RunState;
import orbit.launch.RunStatus;
import orbit.launch.Target;
import orbit.ssh.LoopbackSshd;
import orbit.ssh.SshTarget;
import orbit.ssh.Transport;
import orbit.targets.Targets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs through a real one-node Slurm (munge, slurmctld, slurmd with fake GPUs), one cluster for the whole class. */
class SlurmTargetTest {
    private static final LaunchOptions FAST = LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1));
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path clusterDir;
    private static LoopbackSlurm slurm;
    private static SlurmTarget target;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCluster() {
        assumeTrue(LoopbackSlurm.available(), "Slurm daemons not installed or not root");
        slurm = LoopbackSlurm.start(clusterDir.resolve("cluster"));
        target = new SlurmTarget(SlurmTarget.SPEC, b -> SlurmCommands.local(b.path(), slurm.env()));
    }

    @AfterAll
    static void stopCluster() {
        if (slurm != null) slurm.close();
    }

    private static RunHandle launch(Bundle b) {
        return new Launcher(spec -> SlurmTarget.SPEC.equals(spec) ? target : Targets.parse(spec)).launch(target, b, FAST);
    }

    private Bundle bundle(String name, JobSpec.Builder spec) {
        return Bundle.create(dir.resolve(name), spec.python("python3").build());
    }

    private static JobSpec.Builder sh(String name, String script) {
        return JobSpec.builder(name, List.of("bash", "-c", script));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void jobRunsToSucceededWithItsArtifactsAndJobId() throws Exception {
        Bundle b = bundle("ok", sh("ok", "echo hello from rank $RANK of $WORLD_SIZE; echo 42 > \"$ORBIT_ARTIFACTS/result.txt\""));
        long t0 = System.nanoTime();
        RunHandle run = launch(b);
        long launchMs = (System.nanoTime() - t0) / 1_000_000;
        LastRun queued = LastRun.read(b.runtimeDir()).orElseThrow();
        assertNotNull(queued.slurmJobId(), "launch records the Slurm job id");
        assertTrue(launchMs < 10_000, "launch returns without waiting for the job: " + launchMs + " ms");

        RunStatus st = run.waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), () -> st.line() + "\n" + files(b));
        assertEquals(queued.slurmJobId(), st.run().slurmJobId());
        assertEquals("COMPLETED", st.run().slurmState());
        assertEquals(0, st.run().exitCode());
        assertEquals("42", Files.readString(b.artifactsDir().resolve("result.txt")).strip());
        assertTrue(Files.readString(b.artifactsDir().resolve("training.log")).contains("hello from rank 0 of 1"), files(b));
        assertTrue(Files.readString(b.artifactsDir().resolve("manifest.json")).contains("\"result.txt\""));
        assertTrue(Files.isRegularFile(b.runtimeDir().resolve("slurm-" + st.run().slurmJobId() + ".out")));
        assertTrue(Files.readString(b.runtimeDir().resolve("runtime.log")).contains("slurm_job_id=" + st.run().slurmJobId()));
        // the verdict is on disk: a fresh handle reads it without asking Slurm
        assertEquals(RunState.SUCCEEDED, target.attach(b).orElseThrow().status().state());
        assertTrue(st.line().contains("slurm job " + st.run().slurmJobId() + " COMPLETED"), st.line());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void failingJobEndsFailedWithItsExitCode() throws Exception {
        Bundle b = bundle("bad", sh("bad", "echo about to fail; exit 3"));
        RunStatus st = launch(b).waitFor(WAIT);
        assertEquals(RunState.FAILED, st.state(), () -> st.line() + "\n" + files(b));
        assertEquals(3, st.run().exitCode());
        assertEquals("FAILED", st.run().slurmState());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void cancelEndsCancelledAndLeavesNothingRunning() throws Exception {
        Bundle b = bundle("cancel", sh("cancel", "echo started; exec sleep 300"));
        RunHandle run = launch(b);
        awaitLine(b.artifactsDir().resolve("training.log"), "started", Duration.ofSeconds(60));
        assertFalse(run.status().state().terminal());
        long t0 = System.nanoTime();
        RunStatus st = run.cancel(Duration.ofSeconds(20));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(RunState.CANCELLED, st.state(), () -> st.line() + "\n" + files(b));
        assertEquals("SIGTERM", st.run().signal(), () -> "rank 0 recorded the cancel itself (" + tookMs + " ms)\n" + files(b));
        assertTrue(tookMs < 20_000, () -> "the job ended on SIGTERM, within the grace: " + tookMs + " ms\n" + files(b));
        System.out.println("cancel: SIGTERM to Slurm saying the job ended took " + tookMs + " ms");
        assertTrue(slurm.command("squeue", "-h", "-j", st.run().slurmJobId()).out().isBlank(), "job left in the queue");
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 300")), "sleep 300 survived");
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(b.path().toString())),
                "a process of the run survived");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void twoGpusAreAskedForAndSeenByTheJob() throws Exception {
        Bundle b = bundle("gpus", sh("gpus", "echo CVD=$CUDA_VISIBLE_DEVICES").gpus(2));
        assertTrue(SbatchScript.directives(b.job()).contains("--gres=gpu:2"));
        RunStatus st = launch(b).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), () -> st.line() + "\n" + files(b));
        assertTrue(Files.readString(b.scriptsDir().resolve("sbatch.sh")).contains("#SBATCH --gres=gpu:2\n"));
        assertTrue(Files.readString(b.artifactsDir().resolve("training.log")).contains("CVD=0,1"), files(b));
        assertTrue(Files.readString(b.runtimeDir().resolve("runtime.log")).contains("CUDA_VISIBLE_DEVICES=0,1"));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void twoTasksPerNodeAreRanksZeroAndOneOfOneWorld() throws Exception {
        Bundle b = bundle("ranks", sh("ranks", "echo rank=$RANK local=$LOCAL_RANK node=$NODE_RANK world=$WORLD_SIZE"
                + " nnodes=$NNODES nproc=$NPROC_PER_NODE master=$MASTER_ADDR:$MASTER_PORT").tasksPerNode(2));
        RunStatus st = launch(b).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), () -> st.line() + "\n" + files(b));
        String rank0 = Files.readString(b.artifactsDir().resolve("training.log"));
        Path nodes = b.artifactsDir().resolve("nodes");
        Path rank1File;
        try (var s = Files.walk(nodes)) {
            rank1File = s.filter(p -> p.endsWith(Path.of("ranks", "1", "training.log"))).findFirst().orElseThrow(() -> new AssertionError(files(b)));
        }
        String rank1 = Files.readString(rank1File);
        assertTrue(rank0.contains("rank=0 local=0 node=0 world=2 nnodes=1 nproc=2 master="), rank0);
        assertTrue(rank1.contains("rank=1 local=1 node=0 world=2 nnodes=1 nproc=2 master="), rank1);
        assertEquals(master(rank0), master(rank1));
        assertTrue(master(rank0).matches("[^:]+:\\d+"), rank0);
        String manifest = Files.readString(b.artifactsDir().resolve("manifest.json"));
        assertTrue(manifest.contains("nodes/" + rank1File.getParent().getParent().getParent().getFileName() + "/ranks/1/training.log"), manifest);
    }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void oneMinuteTimeLimitEndsTimeout() throws Exception {
        Bundle b = bundle("limit", sh("limit", "echo started; exec sleep 600").maxRuntime("1m"));
        assertTrue(SbatchScript.directives(b.job()).contains("--time=1"));
        RunStatus st = launch(b).waitFor(Duration.ofSeconds(180));
        assertEquals(RunState.TIMEOUT, st.state(), () -> st.line() + "\n" + files(b));
        assertEquals("TIMEOUT", st.run().slurmState());
        assertTrue(st.run().reason().contains("time limit"), st.run().reason());
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(b.path().toString())),
                "a process of the run survived the time limit");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLoginNodeSilentPastLostAfterShowsTheRunLostAndItTurnsBackWhenItAnswers() throws Exception {
        try (LoopbackSshd login = LoopbackSshd.start(dir.resolve("sshd"), List.of("ed25519"), Map.of("SLURM_CONF", slurm.env().get("SLURM_CONF")))) {
            Path remoteDir = dir.resolve("login-home/bundles/frozen");
            SlurmTarget over = SlurmTarget.overSsh(login.address(), new SshTarget.Settings(login.options(), remoteDir.toString(),
                    Duration.ofSeconds(1), Duration.ofSeconds(3), false, false, null, null), Transport.Connector.SSH);
            // the job runs until this test lets it end (a file on the shared filesystem)
            Path go = dir.resolve("go");
            Bundle b = bundle("frozen", sh("frozen", "echo started; while [ ! -e '" + go + "' ]; do sleep 0.1; done; echo done"));
            try (RunHandle run = new Launcher(spec -> spec.equals(over.spec()) ? over : Targets.parse(spec)).launch(over, b, FAST)) {
                RunStatus st = run.status();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (st.state() != RunState.RUNNING && System.nanoTime() < deadline) st = run.status();
                assertEquals(RunState.RUNNING, st.state(), st.line());
                login.signal("STOP");
                try {
                    deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (st.state() != RunState.LOST && System.nanoTime() < deadline) st = run.status();
                    RunStatus lost = st;
                    assertEquals(RunState.LOST, lost.state(), lost.line());
                    assertTrue(lost.run().reason().contains("has not answered") && lost.run().reason().contains("--lost-after 3 s"), lost.run().reason());
                    assertNotEquals("lost", LastRun.stateOf(b.runtimeDir()), "lost is shown, not written: the job may still run");
                } finally {
                    login.signal("CONT");
                }
                Files.writeString(go, "");
                RunStatus end = run.waitFor(WAIT);
                assertEquals(RunState.SUCCEEDED, end.state(), () -> end.line() + "\n" + files(b));
                assertTrue(Files.readString(b.artifactsDir().resolve("training.log")).contains("done"), files(b));
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void submitsAndPullsThroughALoginNodeOverSsh() throws Exception {
        // the login node is a loopback sshd whose commands reach this cluster; its bundle copy is on the shared filesystem
        try (LoopbackSshd login = LoopbackSshd.start(dir.resolve("sshd"), List.of("ed25519"), Map.of("SLURM_CONF", slurm.env().get("SLURM_CONF")))) {
            Path remoteDir = dir.resolve("login-home/bundles/remote");
            SlurmTarget over = SlurmTarget.overSsh(login.address(), new SshTarget.Settings(login.options(), remoteDir.toString(),
                    Duration.ofSeconds(1), null, false, false, null, null), Transport.Connector.SSH);
            assertEquals("slurm+" + login.address(), over.spec());
            Bundle b = bundle("remote", sh("remote", "echo hello over ssh from rank $RANK; echo 7 > \"$ORBIT_ARTIFACTS/result.txt\""));
            RunStatus st;
            try (RunHandle run = new Launcher(spec -> spec.equals(over.spec()) ? over : Targets.parse(spec)).launch(over, b, FAST)) {
                assertNotNull(LastRun.read(b.runtimeDir()).orElseThrow().slurmJobId());
                st = run.waitFor(WAIT);
            }
            RunStatus end = st;
            assertEquals(RunState.SUCCEEDED, end.state(), () -> end.line() + "\n" + files(b));
            assertEquals("COMPLETED", end.run().slurmState());
            assertEquals("slurm+" + login.address(), end.run().target());
            assertTrue(Files.isRegularFile(remoteDir.resolve("artifacts/result.txt")), "the job ran in the login node's copy");
            assertEquals("7", Files.readString(b.artifactsDir().resolve("result.txt")).strip(), "pulled back");
            assertTrue(Files.readString(b.artifactsDir().resolve("training.log")).contains("hello over ssh from rank 0"), files(b));
            assertTrue(Files.isRegularFile(b.runtimeDir().resolve("slurm-" + end.run().slurmJobId() + ".out")));
            // a later command knows the run from the bundle's files alone
            try (RunHandle again = Targets.parse(end.run().target()).attach(b).orElseThrow()) {
                assertEquals(RunState.SUCCEEDED, again.status().state());
            }
        }
    }

    @Test
    void secretEnvIsRefusedInOneLine() {
        Bundle b = bundle("secret", sh("secret", "true").secretEnv("HF_TOKEN"));
        OrbitException e = assertThrows(OrbitException.class, () -> launch(b));
        assertTrue(e.getMessage().contains("secret_env HF_TOKEN") && e.getMessage().contains("in clear"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(LastRun.read(b.runtimeDir()).isEmpty(), "nothing was submitted");
    }

    private static String master(String line) {
        Matcher m = Pattern.compile("master=(\\S+)").matcher(line);
        assertTrue(m.find(), line);
        return m.group(1);
    }

    private static void awaitLine(Path file, String text, Duration within) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end) {
            if (Files.isRegularFile(file) && Files.readString(file).contains(text)) return;
            Thread.sleep(100); // the job writes on a compute node: there is nothing to wait on but the file
        }
        fail(file + " never showed '" + text + "'");
    }

    /** What the job left, for a failing assertion's message. */
    private static String files(Bundle b) {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("runtime/runtime.log", "runtime/launch.out", "runtime/last_run.json", "artifacts/training.log")) {
            try {
                sb.append("== ").append(f).append('\n').append(Files.readString(b.path().resolve(f))).append('\n');
            } catch (IOException e) {
                sb.append("== ").append(f).append(" (none)\n");
            }
        }
        try (var s = Files.list(b.runtimeDir())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().startsWith("slurm-")) sb.append("== ").append(p.getFileName()).append('\n').append(Files.readString(p));
            }
        } catch (IOException e) {
            sb.append(e);
        }
        return sb.toString();
    }
}
