package orbit.launch;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Json;
import orbit.bundle.JobSpec;
import orbit.provenance.ForkManifest;
import orbit.provenance.PrecheckReport;
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

/** Real local runs of real scripts and the real trainer: no mocks. */
class LocalTargetTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final LocalTarget target = new LocalTarget();

    @TempDir
    Path dir;

    @Test
    void fullRunSucceedsWithAllFiveLogSurfacesAndMatchingManifest() throws Exception {
        Bundle b = TestBundles.trainer(dir, "full", "--steps", "30", "--eval-every", "10", "--save-every", "15");
        RunHandle run = target.launch(b, TestBundles.FAST);
        RunStatus st = run.waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), () -> st.line() + "\n" + read(b.path().resolve("runtime/runtime.log")));
        assertEquals(0, st.run().exitCode());
        assertNotNull(st.run().endedAt());
        assertEquals(orbit.bundle.Digests.sha256(b.jobFile()), st.run().jobSha256());

        String runtimeLog = read(b.path().resolve("runtime/runtime.log"));
        for (String stage : List.of(" staged: ", " probe: host=", " probe: kernel=", " probe: cpus=", " probe: memory ",
                " probe: disk free=", " probe: CUDA_VISIBLE_DEVICES=", " precheck: ok", " gpu tracker started: ",
                " training started: pid=", " training exited: ", "exit_code=0", " finalize: state=succeeded")) {
            assertTrue(runtimeLog.contains(stage), "runtime.log lacks '" + stage + "':\n" + runtimeLog);
        }
        assertTrue(runtimeLog.lines().allMatch(l -> l.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z .*")), runtimeLog);

        String precheck = read(b.artifactsDir().resolve("runtime-precheck.log"));
        assertTrue(precheck.contains("precheck: python="), precheck);
        assertTrue(PrecheckReport.read(b.artifactsDir()).orElseThrow().ok());

        String training = read(b.artifactsDir().resolve("training.log"));
        assertTrue(training.contains("step 30/30"), training);

        Path ckRoot = b.artifactsDir().resolve("checkpoints");
        Path v0;
        try (Stream<Path> s = Files.list(ckRoot)) {
            v0 = s.filter(p -> p.getFileName().toString().matches("v0-\\d{8}-\\d{6}")).findFirst().orElseThrow();
        }
        assertTrue(Files.isDirectory(v0.resolve("checkpoint-15")));
        assertTrue(Files.isDirectory(v0.resolve("checkpoint-30")));
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(v0.resolve("logging.jsonl"))) rows.add(Json.MAPPER.readTree(line));
        JsonNode firstTrain = rows.stream().filter(r -> r.has("loss")).findFirst().orElseThrow();
        for (String k : List.of("loss", "grad_norm", "learning_rate", "memory(GiB)", "train_speed(iter/s)", "epoch",
                "global_step/max_steps", "percentage", "elapsed_time", "remaining_time")) {
            assertTrue(firstTrain.has(k), "train row lacks " + k + ": " + firstTrain);
        }
        assertEquals("5/30", firstTrain.get("global_step/max_steps").asText());
        assertEquals("16.67%", firstTrain.get("percentage").asText());
        assertEquals(3, rows.stream().filter(r -> r.has("eval_loss") && r.has("eval_runtime")).count());
        assertTrue(rows.stream().anyMatch(r -> r.has("train_runtime") && r.has("train_loss")));
        assertTrue(rows.get(rows.size() - 1).has("last_model_checkpoint"));

        String audit = read(b.artifactsDir().resolve("nvml-audit.jsonl"));
        assertFalse(audit.isBlank(), "nvml-audit.jsonl is empty");
        for (String line : audit.lines().toList()) {
            JsonNode n = Json.MAPPER.readTree(line);
            assertTrue(n.has("ts") && n.has("host"), line);
        }

        assertTrue(Files.readString(b.runtimeDir().resolve("heartbeat")).strip().matches("\\d{4}-.*Z"));
        assertManifestMatches(b);
    }

    @Test
    void crashAtStepEndsFailedWithExitCodeAndTracebackInTrainingLog() throws Exception {
        Bundle b = TestBundles.trainer(dir, "crash", "--steps", "50", "--crash-at-step", "7");
        RunStatus st = target.launch(b, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.FAILED, st.state(), st::line);
        assertEquals(1, st.run().exitCode());
        String training = read(b.artifactsDir().resolve("training.log"));
        assertTrue(training.contains("Traceback (most recent call last)"), training);
        assertTrue(training.contains("RuntimeError: simulated crash at step 7"), training);
        assertTrue(training.contains("step 5/50"), "progress before the crash is kept: " + training);
        assertTrue(read(b.runtimeDir().resolve("runtime.log")).contains("training exited: pid="));
        assertManifestMatches(b);
    }

    @Test
    void missingCriticalDependencyEndsPrecheckFailedAndTrainingNeverStarts() throws Exception {
        Path marker = dir.resolve("trained");
        Bundle b = Bundle.create(dir.resolve("nodep"), TestBundles.spec("nodep",
                List.of("touch", marker.toString()), Map.of(), List.of("json", "orbit_no_such_module_xyz"), null));
        RunStatus st = target.launch(b, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.PRECHECK_FAILED, st.state(), st::line);
        assertFalse(Files.exists(marker), "training ran after a failed precheck");
        assertFalse(Files.exists(b.artifactsDir().resolve("training.log")));
        String log = read(b.artifactsDir().resolve("runtime-precheck.log"));
        assertTrue(log.matches("(?s).*json runtime import ok: version=\\S+ path=/\\S+json/__init__\\.py.*"), log);
        assertTrue(log.contains("orbit_no_such_module_xyz runtime import FAILED: ModuleNotFoundError"), log);
        PrecheckReport report = PrecheckReport.read(b.artifactsDir()).orElseThrow();
        assertFalse(report.ok());
        assertEquals(64, report.deps().get(0).filesSha256().length());
        assertFalse(read(b.runtimeDir().resolve("runtime.log")).contains("training started"));
        assertTrue(log.contains("pip freeze: "), log); // what was installed, recorded for the diagnosis
        assertManifestMatches(b);
    }

    @Test
    void withNothingToGateThePrecheckRunsBesideTheTrainingAndIsInTheFinishedRunsManifest() throws Exception {
        Bundle b = Bundle.create(dir.resolve("beside"), TestBundles.spec("beside",
                List.of("python3", "-c", "print('first line')"), Map.of(), List.of(), null));
        RunStatus st = target.launch(b, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), st::line);
        String runtimeLog = read(b.runtimeDir().resolve("runtime.log"));
        assertTrue(runtimeLog.contains(" precheck: python3 scripts/precheck.py, beside the training"), runtimeLog);
        assertTrue(runtimeLog.contains(" precheck: ok"), runtimeLog);
        assertTrue(runtimeLog.indexOf(" precheck: ok") < runtimeLog.indexOf(" finalize: state=succeeded"), runtimeLog);
        assertTrue(PrecheckReport.read(b.artifactsDir()).orElseThrow().ok());
        assertTrue(read(b.artifactsDir().resolve("runtime-precheck.log")).contains("pip freeze: "));
        assertTrue(Files.isRegularFile(b.artifactsDir().resolve("pip-freeze.txt")));
        assertManifestMatches(b); // precheck.json and pip-freeze.txt were written before the manifest
    }

    @Test
    void aGatingPrecheckRunsBeforeTheTrainingAndTheFreezeAfterItStarted() throws Exception {
        Bundle b = Bundle.create(dir.resolve("gated"), TestBundles.spec("gated",
                List.of("python3", "-c", "print('first line')"), Map.of(), List.of("json"), null));
        RunStatus st = target.launch(b, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), st::line);
        String runtimeLog = read(b.runtimeDir().resolve("runtime.log"));
        assertTrue(runtimeLog.indexOf(" precheck: ok") < runtimeLog.indexOf(" training started"), runtimeLog);
        String precheckLog = read(b.artifactsDir().resolve("runtime-precheck.log"));
        assertTrue(precheckLog.indexOf("json runtime import ok") < precheckLog.indexOf("pip freeze: "), precheckLog);
        assertTrue(Files.isRegularFile(b.artifactsDir().resolve("pip-freeze.txt")));
        assertManifestMatches(b);
    }

    @Test
    void forkStagedButNotOnImportPathGivesForkMismatchAndStopsBeforeTraining() throws Exception {
        Bundle b = forkBundle("forkoff", "inputs/site");
        RunStatus st = target.launch(b, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.PRECHECK_FAILED, st.state(), st::line);
        String log = read(b.artifactsDir().resolve("runtime-precheck.log"));
        Path staged = b.inputsDir().resolve("fork").toRealPath().resolve("mypkg");
        Path other = b.inputsDir().resolve("site").toRealPath().resolve("mypkg");
        assertTrue(log.contains("FORK MISMATCH: expected " + staged + " got " + other), log);
        assertFalse(PrecheckReport.read(b.artifactsDir()).orElseThrow().fork().ok());
        assertFalse(read(b.runtimeDir().resolve("runtime.log")).contains("training started"));
    }

    @Test
    void forkOnImportPathPassesAndAPatchedFileIsNamed() throws Exception {
        Bundle ok = forkBundle("forkon", "inputs/fork");
        RunStatus st = target.launch(ok, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), () -> st.line() + read(ok.artifactsDir().resolve("runtime-precheck.log")));
        assertTrue(read(ok.artifactsDir().resolve("runtime-precheck.log")).contains("fork mypkg ok: "));

        Bundle patched = forkBundle("forkpatched", "inputs/fork");
        Files.writeString(patched.inputsDir().resolve("fork/mypkg/core.py"), "VALUE = 2  # patched after the manifest\n");
        RunStatus st2 = target.launch(patched, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.PRECHECK_FAILED, st2.state());
        assertTrue(read(patched.artifactsDir().resolve("runtime-precheck.log"))
                .contains("FORK MISMATCH: file mypkg/core.py expected sha256 "));
    }

    /** A fork of `mypkg` staged at inputs/fork/ with its manifest, and a different `mypkg` at inputs/site/. */
    private Bundle forkBundle(String name, String pythonPath) throws IOException {
        Bundle b = Bundle.create(dir.resolve(name), TestBundles.spec(name,
                List.of("python3", "-c", "import mypkg; print(mypkg.__file__)"),
                Map.of("PYTHONPATH", pythonPath), List.of("mypkg"), new JobSpec.Fork("mypkg", "fork")));
        Path fork = b.inputsDir().resolve("fork");
        Files.createDirectories(fork.resolve("mypkg"));
        Files.writeString(fork.resolve("mypkg/__init__.py"), "__version__ = '1.0+fork'\nfrom .core import VALUE\n");
        Files.writeString(fork.resolve("mypkg/core.py"), "VALUE = 1\n");
        ForkManifest.of(fork, "mypkg", "https://example.org/mypkg.git", "0123456789abcdef0123456789abcdef01234567").writeTo(fork);
        Path site = b.inputsDir().resolve("site/mypkg");
        Files.createDirectories(site);
        Files.writeString(site.resolve("__init__.py"), "__version__ = '1.0'\n");
        return b;
    }

    @Test
    void hostileArgvReachesTheProgramByteForByte() throws Exception {
        List<String> hostile = List.of("two words", "'single'", "\"double\"", "$(touch pwned)", "`touch pwned2`",
                "a; touch pwned3", "*", "line1\nline2", "back\\slash", "", "$HOME", "tab\tend");
        List<String> argv = new ArrayList<>(List.of("python3", "-c",
                "import sys, json, os; json.dump(sys.argv[1:], open(os.environ['ORBIT_ARTIFACTS'] + '/argv.json', 'w'))"));
        argv.addAll(hostile);
        Bundle b = Bundle.create(dir.resolve("hostile"), TestBundles.spec("hostile", argv, Map.of("WITH_SPACE", "a b $(x)"), List.of(), null));
        RunStatus st = target.launch(b, TestBundles.FAST).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), st::line);
        List<String> got = new ArrayList<>();
        Json.MAPPER.readTree(b.artifactsDir().resolve("argv.json").toFile()).forEach(n -> got.add(n.asText()));
        assertEquals(hostile, got);
        try (Stream<Path> s = Files.walk(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("pwned")), "a shell interpreted an argument");
        }
    }

    @Test
    void cancelLeavesNoProcessOfTheGroupAlive() throws Exception {
        Bundle b = TestBundles.trainer(dir, "cancel", "--steps", "100000", "--step-sleep", "0.01");
        RunHandle run = target.launch(b, TestBundles.FAST);
        awaitState(run, RunState.RUNNING);
        long pgid = run.status().run().pgid();
        assertFalse(ProcessTable.group(pgid).isEmpty());
        RunStatus st = run.cancel(Duration.ofSeconds(10));
        assertEquals(RunState.CANCELLED, st.state(), st::line);
        assertEquals(List.of(), ProcessTable.group(pgid), "processes of the run's group still alive");
        assertTrue(read(b.runtimeDir().resolve("runtime.log")).contains("cancel requested (SIGTERM)"));
        assertManifestMatches(b);
    }

    @Test
    void secondLaunchOfALiveRunIsRefusedWithOneLine() throws Exception {
        Bundle b = TestBundles.trainer(dir, "twice", "--steps", "100000", "--step-sleep", "0.01");
        RunHandle run = target.launch(b, TestBundles.FAST);
        try {
            OrbitException e = assertThrows(OrbitException.class, () -> target.launch(b, TestBundles.FAST));
            assertEquals(1, e.getMessage().lines().count());
            assertTrue(e.getMessage().contains("already running (run " + run.runId()), e.getMessage());
            // a handle obtained afresh from disk (as a new process would) sees the same live run
            RunStatus fresh = new LocalTarget().attach(Bundle.open(b.path())).orElseThrow().status();
            assertEquals(run.runId(), fresh.run().runId());
            assertTrue(fresh.alive());
        } finally {
            run.cancel(Duration.ofSeconds(5));
        }
    }

    @Test
    void relaunchKeepsTheFirstRunsArtifactsAndStartsANewRunId() throws Exception {
        Bundle b = TestBundles.trainer(dir, "again", "--steps", "10", "--eval-every", "5", "--save-every", "5");
        RunHandle first = target.launch(b, TestBundles.FAST);
        assertEquals(RunState.SUCCEEDED, first.waitFor(WAIT).state());
        String firstTraining = read(b.artifactsDir().resolve("training.log"));
        String firstManifest = read(b.artifactsDir().resolve("manifest.json"));

        Thread.sleep(1100); // the trainer names its metrics dir by the second
        RunHandle second = target.launch(b, TestBundles.FAST);
        assertNotEquals(first.runId(), second.runId());
        assertEquals(RunState.SUCCEEDED, second.waitFor(WAIT).state());

        Path archivedArtifacts = b.artifactsDir().resolve("runs").resolve(first.runId());
        Path archivedRuntime = b.runtimeDir().resolve("runs").resolve(first.runId());
        assertEquals(firstTraining, read(archivedArtifacts.resolve("training.log")));
        assertEquals(firstManifest, read(archivedArtifacts.resolve("manifest.json")));
        assertEquals(first.runId(), Json.MAPPER.readTree(archivedRuntime.resolve("last_run.json").toFile()).get("run_id").asText());
        assertTrue(read(archivedRuntime.resolve("runtime.log")).contains("run_id=" + first.runId()));
        assertEquals(second.runId(), second.status().run().runId());
        assertEquals(RunState.SUCCEEDED, first.status().state(), "the first run stays readable from its archive");
        JsonNode manifest = Json.MAPPER.readTree(b.artifactsDir().resolve("manifest.json").toFile());
        manifest.get("files").forEach(f -> assertFalse(f.get("path").asText().startsWith("runs/"), "archives are not in the new manifest"));
        assertManifestMatches(b);
    }

    @Test
    void aRunWhoseProcessVanishedIsReportedLost() throws Exception {
        Bundle b = TestBundles.trainer(dir, "vanish", "--steps", "100000", "--step-sleep", "0.01");
        RunHandle run = target.launch(b, TestBundles.FAST);
        awaitState(run, RunState.RUNNING);
        long pgid = run.status().run().pgid();
        ProcessTable.signalGroup(pgid, "KILL"); // no trap runs: nothing finalizes
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ProcessTable.group(pgid).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
        RunStatus st = run.status();
        assertEquals(RunState.LOST, st.state(), st::line);
        assertTrue(st.run().reason().contains("vanished"), st.run().reason());
        assertTrue(Files.exists(b.artifactsDir().resolve("manifest.json")));
    }

    @Test
    void aGivenTrackerArgvIsStartedBeforeTrainingAndStoppedAfter() throws Exception {
        Bundle b = TestBundles.trainer(dir, "tracker", "--steps", "5");
        Path audit = b.artifactsDir().resolve("nvml-audit.jsonl");
        List<String> tracker = List.of("bash", "-c",
                "echo '{\"event\":\"sampler_start\"}' >> \"$0\"; trap 'echo \"{\\\"event\\\":\\\"sampler_stop\\\"}\" >> \"$0\"; exit 0' TERM; while :; do sleep 0.05; done",
                audit.toString());
        RunStatus st = target.launch(b, TestBundles.FAST.withTrackerArgv(tracker)).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), st::line);
        assertTrue(read(b.scriptsDir().resolve("gpu-tracker.sh")).contains("exec 'bash' '-c' "));
        assertEquals(List.of("{\"event\":\"sampler_start\"}", "{\"event\":\"sampler_stop\"}"), Files.readAllLines(audit));
        String runtimeLog = read(b.runtimeDir().resolve("runtime.log"));
        assertTrue(runtimeLog.indexOf("gpu tracker started") < runtimeLog.indexOf("training started"), runtimeLog);
        assertTrue(runtimeLog.indexOf("training exited") < runtimeLog.indexOf("gpu tracker stopped"), runtimeLog);
    }

    private static void awaitState(RunHandle run, RunState state) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (run.status().state() != state) {
            assertFalse(run.status().state().terminal(), () -> run.status().line());
            assertTrue(System.nanoTime() < deadline, "never reached " + state);
            Thread.sleep(50);
        }
    }

    static void assertManifestMatches(Bundle b) throws IOException {
        JsonNode m = Json.MAPPER.readTree(b.artifactsDir().resolve("manifest.json").toFile());
        assertEquals("orbit.manifest.v1", m.get("schema_version").asText());
        Map<String, JsonNode> listed = new HashMap<>();
        m.get("files").forEach(f -> listed.put(f.get("path").asText(), f));
        List<String> onDisk = new ArrayList<>();
        try (Stream<Path> s = Files.walk(b.artifactsDir())) {
            s.filter(Files::isRegularFile).map(p -> b.artifactsDir().relativize(p).toString())
                    .filter(p -> !p.equals("manifest.json") && !p.startsWith("runs/")).forEach(onDisk::add);
        }
        assertEquals(new java.util.TreeSet<>(onDisk), new java.util.TreeSet<>(listed.keySet()));
        for (String rel : onDisk) {
            byte[] bytes = Files.readAllBytes(b.artifactsDir().resolve(rel));
            JsonNode f = listed.get(rel);
            assertEquals(bytes.length, f.get("size").asLong(), rel);
            Path tmp = Files.createTempFile("orbit-manifest", ".bin");
            Files.write(tmp, bytes);
            assertEquals(orbit.bundle.Digests.sha256(tmp), f.get("sha256").asText(), rel);
            Files.delete(tmp);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + p + " unreadable: " + e + ">";
        }
    }
}
