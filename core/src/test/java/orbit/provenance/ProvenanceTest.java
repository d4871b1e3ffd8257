package orbit.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.BundleRoot;
import orbit.bundle.Inputs;
import orbit.bundle.JobSpec;
import orbit.bundle.Json;
import orbit.launch.LaunchOptions;
import orbit.launch.LocalTarget;
import orbit.launch.RunState;
import orbit.launch.RunStatus;
import orbit.trainer.TinyTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Forks staged from a directory and from a real git checkout, clones and diffs, each through real local launches. */
class ProvenanceTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final LaunchOptions FAST = LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1));
    private final LocalTarget target = new LocalTarget();

    @TempDir
    Path dir;

    private BundleRoot root() {
        return new BundleRoot(dir.resolve("bundles"));
    }

    private Bundle bundle(String name, List<String> argv, Map<String, String> env, List<String> deps) {
        return root().create(new JobSpec(JobSpec.SCHEMA, name, JobSpec.Resources.none(),
                new JobSpec.Entrypoint(argv, ".", env, List.of()), "python3", deps, null, List.of(), "2026-01-01T00:00:00Z", "test"));
    }

    /** Launches and waits for the end, then for launch.sh itself to exit: it still logs after recording the end state. */
    private RunStatus launch(Bundle b) throws Exception {
        RunStatus st = target.launch(b, FAST).waitFor(WAIT);
        assertTrue(st.state().terminal(), st::line);
        var script = ProcessHandle.of(st.run().pid());
        if (script.isPresent()) script.get().onExit().get(30, TimeUnit.SECONDS);
        return st;
    }

    /** A package `mypkg` in {@code src}, with a bytecode cache that must not be staged. */
    private static Path forkSource(Path src) throws IOException {
        Files.createDirectories(src.resolve("mypkg/__pycache__"));
        Files.writeString(src.resolve("mypkg/__init__.py"), "__version__ = '1.0+fork'\nfrom .core import VALUE\n");
        Files.writeString(src.resolve("mypkg/core.py"), "VALUE = 1\n");
        Files.write(src.resolve("mypkg/__pycache__/core.cpython-311.pyc"), new byte[] {1, 2, 3});
        Files.writeString(src.resolve("README.md"), "not part of the module\n");
        return src;
    }

    /** A bundle importing mypkg, with another mypkg on its PYTHONPATH that the fork must win over. */
    private Bundle forkUser(String name) throws IOException {
        Bundle b = bundle(name, List.of("python3", "-c", "import mypkg; assert mypkg.VALUE == 1, mypkg.__file__"),
                Map.of("PYTHONPATH", "inputs/site"), List.of("mypkg"));
        Path site = dir.resolve(name + "-site/mypkg");
        Files.createDirectories(site);
        Files.writeString(site.resolve("__init__.py"), "__version__ = '1.0'\nVALUE = 0\n");
        Inputs.of(b).stage(site.getParent(), "site", false);
        return Bundle.open(b.path());
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }

    @Test
    void forkStagedFromADirectoryPassesThePrecheckAndAnEditedStagedFileFailsTheNextLaunch() throws Exception {
        Path src = forkSource(dir.resolve("mypkg-fork"));
        Bundle b = forkUser("dirfork");
        ForkStaging.Result r = ForkStaging.stage(b, src, "mypkg", null, null, null, false);
        assertEquals("forks/mypkg-fork", r.path());
        assertEquals(2, r.files());
        assertNull(r.modified(), "a plain directory has no commit to differ from");

        b = Bundle.open(b.path());
        assertEquals(new JobSpec.Fork("mypkg", "forks/mypkg-fork"), b.job().fork());
        assertEquals("inputs/forks/mypkg-fork:inputs/site", b.job().entrypoint().env().get("PYTHONPATH"));
        Path forkRoot = b.inputsDir().resolve("forks/mypkg-fork");
        ForkManifest m = ForkManifest.read(forkRoot);
        assertEquals(List.of("mypkg/__init__.py", "mypkg/core.py"), m.files().stream().map(ForkManifest.FileDigest::path).toList());
        List<String> staged = Inputs.of(b).index().files().keySet().stream().filter(k -> k.startsWith("forks/")).toList();
        assertEquals(List.of("forks/mypkg-fork/FORK_MANIFEST.json", "forks/mypkg-fork/mypkg/__init__.py", "forks/mypkg-fork/mypkg/core.py"), staged,
                "the manifest covers exactly the staged files");
        assertEquals(List.of(), Inputs.of(b).verify());
        assertFalse(Files.exists(forkRoot.resolve("README.md")));

        RunStatus ok = launch(b);
        Bundle fb = b;
        assertEquals(RunState.SUCCEEDED, ok.state(), () -> ok.line() + "\n" + readQuiet(fb.artifactsDir().resolve("runtime-precheck.log")));
        PrecheckReport report = PrecheckReport.read(b.artifactsDir()).orElseThrow();
        assertTrue(report.fork().ok(), report.fork().mismatches().toString());
        assertTrue(report.deps().get(0).path().startsWith(forkRoot.toRealPath().toString()), report.deps().get(0).path());

        Files.writeString(forkRoot.resolve("mypkg/core.py"), "VALUE = 1  # edited after staging\n");
        assertEquals("VALUE = 1\n", Files.readString(src.resolve("mypkg/core.py")), "the staged fork shares no file with its source");
        RunStatus failed = launch(b);
        assertEquals(RunState.PRECHECK_FAILED, failed.state(), failed::line);
        assertTrue(read(b.artifactsDir().resolve("runtime-precheck.log")).contains("FORK MISMATCH: file mypkg/core.py expected sha256 "),
                read(b.artifactsDir().resolve("runtime-precheck.log")));
    }

    private static String readQuiet(Path p) {
        try {
            return read(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void forkStagedFromAGitCheckoutRecordsRemoteHeadAndWhatDiffersFromIt() throws Exception {
        Path src = forkSource(dir.resolve("checkout"));
        Files.writeString(src.resolve(".gitignore"), "__pycache__/\n");
        git(src, "init", "-q");
        git(src, "remote", "add", "origin", "https://example.org/mypkg.git");
        git(src, "add", "-A");
        git(src, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "upstream");
        String head = git(src, "rev-parse", "HEAD").strip();
        Files.writeString(src.resolve("mypkg/__init__.py"), "__version__ = '1.0+fork'\nfrom .core import VALUE\nfrom . import extra\n");
        Files.writeString(src.resolve("mypkg/extra.py"), "EXTRA = True\n");
        Files.writeString(src.resolve("README.md"), "changed outside the module: not the fork's business\n");

        Bundle b = forkUser("gitfork");
        ForkStaging.Result r = ForkStaging.stage(b, src, "mypkg", null, null, null, false);
        assertEquals("https://example.org/mypkg.git", r.repository());
        assertEquals(head, r.commit());
        ForkManifest m = ForkManifest.read(b.inputsDir().resolve("forks/checkout"));
        assertEquals(new ForkManifest.Upstream("https://example.org/mypkg.git", head), m.upstream());
        assertEquals(List.of("mypkg/__init__.py"), m.modified());
        assertEquals(List.of("mypkg/extra.py"), m.untracked());
        assertEquals(3, m.files().size());

        RunStatus st = launch(Bundle.open(b.path()));
        assertEquals(RunState.SUCCEEDED, st.state(), () -> st.line() + readQuiet(b.artifactsDir().resolve("runtime-precheck.log")));
        PrecheckReport report = PrecheckReport.read(b.artifactsDir()).orElseThrow();
        assertTrue(report.fork().ok(), report.fork().mismatches().toString());
        assertTrue(read(b.artifactsDir().resolve("runtime-precheck.log")).contains("upstream https://example.org/mypkg.git @ " + head));

        // restaging changed content needs --replace, which rewrites the manifest
        Files.writeString(src.resolve("mypkg/core.py"), "VALUE = 1  # second edit\n");
        OrbitException refused = assertThrows(OrbitException.class, () -> ForkStaging.stage(Bundle.open(b.path()), src, "mypkg", null, null, null, false));
        assertTrue(refused.getMessage().contains("pass --replace"), refused.getMessage());
        ForkStaging.stage(Bundle.open(b.path()), src, "mypkg", null, null, null, true);
        assertEquals(List.of("mypkg/__init__.py", "mypkg/core.py"), ForkManifest.read(b.inputsDir().resolve("forks/checkout")).modified());
        assertEquals("inputs/forks/checkout:inputs/site", Bundle.open(b.path()).job().entrypoint().env().get("PYTHONPATH"));
    }

    @Test
    void aMissingModuleOrABadCommitIsOneLineAndWritesNothing() throws Exception {
        Path src = forkSource(dir.resolve("src"));
        Bundle b = forkUser("bad");
        byte[] job = Files.readAllBytes(b.jobFile());
        byte[] index = Files.readAllBytes(b.inputsDir().resolve(".orbit-index.json"));
        OrbitException missing = assertThrows(OrbitException.class, () -> ForkStaging.stage(b, src, "otherpkg", null, null, null, false));
        assertEquals("stage: module otherpkg not found under " + src + " (no otherpkg/ or otherpkg.py there or under src/): give the checkout that contains it",
                missing.getMessage());
        OrbitException commit = assertThrows(OrbitException.class, () -> ForkStaging.stage(b, src, "mypkg", null, "https://example.org/x.git", "abc123", false));
        assertEquals("--commit abc123: give the exact 40-character hex commit the fork starts from (`git rev-parse HEAD`)", commit.getMessage());
        assertArrayEquals(job, Files.readAllBytes(b.jobFile()));
        assertArrayEquals(index, Files.readAllBytes(b.inputsDir().resolve(".orbit-index.json")));
        try (Stream<Path> s = Files.list(b.inputsDir())) {
            assertEquals(List.of(".orbit-index.json", "site"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        // an upper-case commit given by hand is accepted as the same commit
        ForkStaging.Result r = ForkStaging.stage(b, src, "mypkg", null, "https://example.org/x.git", " 0123456789ABCDEF0123456789abcdef01234567 ", false);
        assertEquals("0123456789abcdef0123456789abcdef01234567", r.commit());
    }

    /** A bundle running the tiny trainer, with the tiny package `tinydep` from {@code depDir} as a critical dependency. */
    private Bundle trainer(String name, Path depDir) throws IOException {
        Path trainer = TinyTrainer.writeTo(dir.resolve(name + "-src"));
        Bundle b = bundle(name, List.of("python3", "inputs/" + TinyTrainer.FILE_NAME, "--steps", "20", "--eval-every", "10"),
                Map.of("PYTHONPATH", depDir.toString()), List.of("tinydep"));
        Inputs.of(b).stage(trainer, null, false);
        return b;
    }

    private static Path tinyDep(Path dir, String version) throws IOException {
        Files.createDirectories(dir.resolve("tinydep"));
        Files.writeString(dir.resolve("tinydep/__init__.py"), "__version__ = '" + version + "'\n");
        return dir;
    }

    @Test
    void aCloneOfAFinishedBundleRunsToTheSameResultAndItsPrecheckSaysWhichDependencyDrifted() throws Exception {
        Path dep = tinyDep(dir.resolve("deps"), "1.0");
        Bundle a = trainer("orig", dep);
        RunStatus first = launch(a);
        assertEquals(RunState.SUCCEEDED, first.state(), first::line);

        BundleClone.Result cloned = BundleClone.clone(root(), RunRef.of(a), "orig-again");
        Bundle b = cloned.bundle();
        assertEquals(1, cloned.files());
        assertEquals("orig-again", b.job().name());
        assertEquals(a.job().entrypoint(), b.job().entrypoint());
        assertEquals("orig@" + first.run().runId(), b.job().reference().source());
        assertEquals(List.of(), Inputs.of(b).verify());
        assertEquals(Inputs.of(a).index().files(), Inputs.of(b).index().files());
        assertEquals(1, Files.getAttribute(b.inputsDir().resolve(TinyTrainer.FILE_NAME), "unix:nlink"), "a writable input is copied, not linked");

        RunStatus again = launch(b);
        assertEquals(RunState.SUCCEEDED, again.state(), again::line);
        PrecheckReport.Reference ref = PrecheckReport.read(b.artifactsDir()).orElseThrow().reference();
        assertTrue(ref.same(), ref.differences().toString());
        BundleDiff diff = BundleDiff.of(RunRef.of(a), RunRef.of(b));
        assertTrue(diff.identical(), diff.toString());
        assertEquals(20, diff.outcome().a().lastStep());
        assertEquals(diff.outcome().a().lastLoss(), diff.outcome().b().lastLoss());

        // the same clone after the dependency moved on: the run still happens, and its precheck names what drifted
        Bundle c = BundleClone.clone(root(), RunRef.of(a), "orig-later").bundle();
        tinyDep(dep, "1.1");
        RunStatus later = launch(c);
        assertEquals(RunState.SUCCEEDED, later.state(), later::line);
        PrecheckReport.Reference drift = PrecheckReport.read(c.artifactsDir()).orElseThrow().reference();
        assertFalse(drift.same());
        assertEquals(1, drift.differences().size(), drift.differences().toString());
        assertTrue(drift.differences().get(0).startsWith("tinydep: version 1.1 (reference 1.0), files sha256 "), drift.differences().get(0));
        assertTrue(read(c.artifactsDir().resolve("runtime-precheck.log")).contains("REFERENCE DIFFERS from orig@" + first.run().runId() + ": tinydep: version 1.1"));

        // --from-run: the archived run's job, after the bundle's own job.json moved on
        tinyDep(dep, "1.0");
        JobSpec j = a.job();
        List<String> argv2 = new ArrayList<>(j.entrypoint().argv());
        argv2.addAll(List.of("--seed", "1"));
        Bundle changed = Bundle.open(a.path()).withJob(new JobSpec(j.schemaVersion(), j.name(), j.resources(),
                new JobSpec.Entrypoint(argv2, ".", j.entrypoint().env(), List.of()), j.python(), j.criticalDeps(), null, List.of(),
                j.createdAt(), j.orbitVersion()));
        assertEquals(RunState.SUCCEEDED, launch(changed).state());
        RunRef archived = RunRef.run(Bundle.open(a.path()), first.run().runId());
        assertTrue(archived.runtimeDir().endsWith("runtime/runs/" + first.run().runId()));
        Bundle d = BundleClone.clone(root(), archived, "orig-first").bundle();
        assertEquals(a.job().entrypoint(), d.job().entrypoint());
        BundleDiff moved = BundleDiff.of(archived, RunRef.of(changed));
        assertEquals(List.of("entrypoint.argv"), moved.job().stream().map(BundleDiff.Field::field).toList(), moved.toString());
        assertTrue(moved.inputs().isEmpty(), moved.toString());
        OrbitException unknown = assertThrows(OrbitException.class, () -> RunRef.resolve(root(), "orig@nosuchrun"));
        assertTrue(unknown.getMessage().startsWith("bundle orig has no run nosuchrun: its runs are " + first.run().runId()), unknown.getMessage());
    }

    @Test
    void aDiffOfBundlesWhoseDependencyResolvedFromTwoDirectoriesNamesItAndADiffWithItselfIsEmpty() throws Exception {
        Path one = tinyDep(dir.resolve("site-one"), "1.0");
        Path two = tinyDep(dir.resolve("site-two"), "2.0");
        Bundle a = bundle("on-one", List.of("python3", "-c", "import tinydep"), Map.of("PYTHONPATH", one.toString()), List.of("tinydep"));
        Bundle b = bundle("on-two", List.of("python3", "-c", "import tinydep"), Map.of("PYTHONPATH", two.toString()), List.of("tinydep"));
        assertEquals(RunState.SUCCEEDED, launch(a).state());
        assertEquals(RunState.SUCCEEDED, launch(b).state());

        BundleDiff diff = BundleDiff.of(RunRef.resolve(root(), "on-one"), RunRef.resolve(root(), "on-two"));
        assertFalse(diff.identical());
        assertEquals(1, diff.deps().size(), diff.toString());
        BundleDiff.Dep dep = diff.deps().get(0);
        assertEquals("tinydep", dep.name());
        assertEquals(List.of("version", "path", "files_sha256"), dep.differs());
        assertEquals("1.0", dep.aVersion());
        assertEquals("2.0", dep.bVersion());
        assertEquals(one.toRealPath().resolve("tinydep/__init__.py").toString(), dep.aPath());
        assertEquals(two.toRealPath().resolve("tinydep/__init__.py").toString(), dep.bPath());
        assertNotEquals(dep.aFilesSha256(), dep.bFilesSha256());
        assertEquals(List.of(new BundleDiff.Field("entrypoint.env.PYTHONPATH", one.toString(), two.toString())), diff.job());
        assertTrue(diff.toString().contains("tinydep (version, path, files_sha256)"), diff.toString());
        assertTrue(diff.mimeBundle().get("text/html").contains("<td>tinydep</td>"));

        JsonNode json = Json.MAPPER.readTree(diff.json());
        assertEquals("orbit.diff.v1", json.get("schema_version").asText());
        assertEquals("2.0", json.at("/deps/0/b_version").asText());
        assertFalse(json.get("identical").asBoolean());

        String runId = a.path().resolve("runtime/last_run.json").toFile().exists()
                ? Json.MAPPER.readTree(a.path().resolve("runtime/last_run.json").toFile()).get("run_id").asText() : null;
        BundleDiff self = BundleDiff.of(RunRef.resolve(root(), "on-one"), RunRef.resolve(root(), "on-one@" + runId));
        assertTrue(self.identical(), self.toString());
        assertTrue(self.job().isEmpty() && self.inputs().isEmpty() && self.deps().isEmpty() && self.forkFiles().isEmpty() && self.upstream().isEmpty());
        assertTrue(Json.MAPPER.readTree(self.json()).get("identical").asBoolean());
    }

    @Test
    void aCloneLinksOnlyReadOnlyInputsAndATamperedInputRefusesItLeavingNothing() throws Exception {
        Bundle a = bundle("src", List.of("python3", "-c", "pass"), Map.of(), List.of());
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("frozen.txt"), "immutable\n");
        Files.writeString(data.resolve("live.txt"), "editable\n");
        Inputs.of(a).stage(data, null, false);
        Path frozen = a.inputsDir().resolve("data/frozen.txt");
        Files.setPosixFilePermissions(frozen, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));

        Bundle b = BundleClone.clone(root(), RunRef.of(a), "copy").bundle();
        assertTrue(Files.isSameFile(frozen, b.inputsDir().resolve("data/frozen.txt")), "a read-only input is shared");
        assertFalse(Files.isSameFile(a.inputsDir().resolve("data/live.txt"), b.inputsDir().resolve("data/live.txt")), "a writable input is copied");
        assertNull(b.job().reference(), "a bundle that never ran has no precheck to refer to");

        Files.writeString(a.inputsDir().resolve("data/live.txt"), "edited in place\n");
        OrbitException refused = assertThrows(OrbitException.class, () -> BundleClone.clone(root(), RunRef.of(a), "copy2"));
        assertTrue(refused.getMessage().startsWith("inputs/data/live.txt of src has sha256 "), refused.getMessage());
        try (Stream<Path> s = Files.list(root().dir())) {
            assertEquals(List.of("copy", "src"), s.map(p -> p.getFileName().toString()).sorted().toList(), "a refused clone leaves nothing");
        }
    }

    @Test
    void bytecodeCachesARunWritesIntoAStagedForkAreNoChangeButAnEditedSourceIsAndACloneDiffsEmpty() throws Exception {
        Path src = forkSource(dir.resolve("cached-fork"));
        // caches written whatever the environment says: this run imports the fork the way a default interpreter does
        Bundle b = bundle("cached", List.of("python3", "-c", "import sys; sys.dont_write_bytecode = False; import mypkg; assert mypkg.VALUE == 1"),
                Map.of(), List.of("mypkg"));
        ForkStaging.stage(b, src, "mypkg", null, null, null, false);
        b = Bundle.open(b.path());
        Path forkRoot = b.inputsDir().resolve("forks/cached-fork");
        assertEquals(RunState.SUCCEEDED, launch(b).state());
        try (Stream<Path> s = Files.list(forkRoot.resolve("mypkg/__pycache__"))) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().endsWith(".pyc")), "the run wrote bytecode caches into the staged fork");
        }
        assertEquals(List.of(), Inputs.of(b).verify(), "bytecode caches are no inputs");
        assertEquals(RunState.SUCCEEDED, launch(Bundle.open(b.path())).state(), "the precheck leaves caches out too");

        // a clone carries no caches, and a diff of the two sees the fork at the same place in each bundle
        Bundle c = BundleClone.clone(root(), RunRef.of(b), "cached-again").bundle();
        assertFalse(Files.exists(c.inputsDir().resolve("forks/cached-fork/mypkg/__pycache__")));
        assertEquals(RunState.SUCCEEDED, launch(c).state());
        BundleDiff diff = BundleDiff.of(RunRef.of(b), RunRef.of(c));
        assertTrue(diff.identical(), diff.toString());

        Files.writeString(forkRoot.resolve("mypkg/core.py"), "VALUE = 2\n");
        assertEquals(List.of("inputs/forks/cached-fork/mypkg/core.py: content changed since it was staged (a hard-linked source edited in place?)"),
                Inputs.of(b).verify());
        RunStatus failed = launch(Bundle.open(b.path()));
        assertEquals(RunState.PRECHECK_FAILED, failed.state(), failed::line);
        assertTrue(read(b.artifactsDir().resolve("runtime-precheck.log")).contains("FORK MISMATCH: file mypkg/core.py"));
    }

    /** Clones {@code args[1]} of the bundle root {@code args[0]} as {@code args[2]}: a clone in a process of its own, to be killed. */
    public static final class CloneMain {
        public static void main(String[] args) {
            BundleRoot root = new BundleRoot(Path.of(args[0]));
            System.out.println(BundleClone.clone(root, RunRef.of(root.open(args[1])), args[2]).line());
        }
    }

    /** Starts a clone in a child JVM and returns once its draft has begun copying the large input. */
    private Process cloneInChild(String from, String to, Path big) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CloneMain.class.getName(), root().dir().toString(), from, to)
                .redirectErrorStream(true).redirectOutput(dir.resolve(to + ".out").toFile()).start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (draftInput(big.getFileName().toString()).isEmpty()) {
            assertTrue(p.isAlive(), () -> "the clone ended before it was interrupted: " + readQuiet(dir.resolve(to + ".out")));
            assertTrue(System.nanoTime() < deadline, "the clone never started copying");
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // polls a condition under a deadline
        }
        return p;
    }

    private Optional<Path> draftInput(String name) throws IOException {
        try (Stream<Path> s = Files.list(root().dir())) {
            for (Path d : s.filter(p -> p.getFileName().toString().startsWith(".")).toList()) {
                Path f = d.resolve("inputs").resolve(name);
                if (Files.isRegularFile(f) && Files.size(f) > 0) return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private List<String> rootEntries() throws IOException {
        try (Stream<Path> s = Files.list(root().dir())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anInterruptedCloneLeavesNothingAndAKilledOnesDraftIsRemovedByTheNextClone() throws Exception {
        Bundle a = bundle("big", List.of("python3", "-c", "pass"), Map.of(), List.of());
        Path big = Files.writeString(dir.resolve("big.bin"), "x");
        Inputs.of(a).stage(big, null, false);
        // a sparse 8 GiB input: slow to copy, so the clone is still copying when it is stopped (it never gets far)
        try (var raf = new java.io.RandomAccessFile(a.inputsDir().resolve("big.bin").toFile(), "rw")) {
            raf.setLength(8L << 30);
        }

        Process stopped = cloneInChild("big", "big-stopped", big);
        Path ownDraft = draftInput("big.bin").orElseThrow();
        stopped.destroy(); // SIGTERM, as Ctrl-C: the shutdown hook stops the copy and removes the draft
        assertTrue(stopped.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(ownDraft), "an interrupted clone removes its draft");
        assertEquals(List.of("big"), rootEntries());

        Process killed = cloneInChild("big", "big-killed", big);
        Path draft = draftInput("big.bin").orElseThrow();
        killed.destroyForcibly(); // SIGKILL: no hook runs, the draft stays
        assertTrue(killed.waitFor(30, TimeUnit.SECONDS));
        assertTrue(Files.isDirectory(draft), "a killed clone cannot tidy up");
        assertTrue(PartialClones.stale(draft), "its marker names a process that is gone");
        assertEquals(List.of(draft.getFileName().toString(), "big"), rootEntries());

        // drafts this code did not make, or still being built, are left alone
        Path foreign = Files.createDirectories(root().dir().resolve(".x.clone-00000000-0000-0000-0000-000000000000"));
        Path live = root().dir().resolve(".y.clone-11111111-1111-1111-1111-111111111111");
        PartialClones.start(live);
        Path linked = Files.createSymbolicLink(root().dir().resolve(".z.clone-22222222-2222-2222-2222-222222222222"), draft);

        Bundle small = bundle("small", List.of("python3", "-c", "pass"), Map.of(), List.of());
        BundleClone.Result r = BundleClone.clone(root(), RunRef.of(small), "small-again");
        assertTrue(r.line().endsWith("; removed 1 unfinished clone left by an interrupted `bundle clone`"), r.line());
        assertFalse(Files.exists(draft));
        assertTrue(Files.isDirectory(foreign) && Files.isDirectory(live) && Files.isSymbolicLink(linked));
        assertFalse(Files.exists(r.bundle().path().resolve(PartialClones.MARKER)), "a finished clone carries no draft marker");
        assertEquals(List.of("big", "small", "small-again"), root().list(orbit.launch.LastRun::stateOf).stream().map(s -> s.name()).toList(), "drafts are not bundles");
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "git " + String.join(" ", args) + " hung");
        assertEquals(0, p.exitValue(), "git " + String.join(" ", args) + ": " + out);
        return out;
    }
}
