package orbit.launch;

import orbit.OrbitException;
import orbit.bundle.Bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What every launch does, whatever the target: one launcher per bundle at a time (scripts/.launch.lock), refuse
 * while the latest run, on any target, is not over, re-check the staged inputs, a new run id, archive the previous
 * run's runtime/ and artifacts/ under runs/ID, generate scripts/, let the target start the run, and wait until the
 * run has recorded itself.
 */
public final class Launcher {
    private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Function<String, Target> targets;

    /** @param targets turns a recorded "target" string into its target; null or an exception when it cannot */
    public Launcher(Function<String, Target> targets) {
        this.targets = targets;
    }

    /** A parser that knows one target (and the local one): other recorded targets are treated conservatively. */
    static Function<String, Target> only(Target t) {
        return spec -> spec != null && spec.equals(t.spec()) ? t : LocalTarget.SPEC.equals(spec) ? new LocalTarget() : null;
    }

    public RunHandle launch(Target target, Bundle bundle, LaunchOptions options) {
        bundle.ensureStructure();
        Bundle b = Bundle.open(bundle.path().toAbsolutePath().normalize());
        orbit.bundle.EntrypointFiles.checkStaged(b);
        // the check for a live run and the start happen under this lock
        try (FileChannel ch = FileChannel.open(b.scriptsDir().resolve(".launch.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            refuseIfLive(b);
            StagedInputs.verify(b);
            String runId = newRunId();
            // before the archive: a target that refuses the bundle (e.g. Slurm and secret_env) leaves the last run in place
            LaunchOptions opts = target.prepare(b, options);
            archivePrevious(b, runId, target);
            ScriptGenerator.generate(b, new ScriptGenerator.Plan(runId, target.spec(), opts));
            Target.Started started = target.start(b, runId, opts);
            try {
                awaitRecorded(b, runId, started, opts.startTimeout());
            } catch (RuntimeException e) {
                started.abandon();
                throw e;
            }
            return started.confirm();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock scripts/.launch.lock of " + b.name(), e);
        }
    }

    /** Refuses while the latest run is not over, asking the target that recorded it (a live process group counts). */
    private void refuseIfLive(Bundle b) {
        Optional<LastRun> prev = LastRun.read(b.runtimeDir());
        if (prev.isEmpty() || prev.get().state().terminal()) return;
        Target t;
        try {
            t = targets.apply(prev.get().target());
        } catch (OrbitException e) {
            t = null;
        }
        if (t == null) {
            throw new OrbitException("bundle " + b.name() + " has run " + prev.get().runId() + " on " + prev.get().target() + " recorded "
                    + prev.get().state().wire() + ": check it with `orbit launch status " + b.name() + "` before launching again");
        }
        Optional<RunHandle> h = t.observe(b);
        if (h.isEmpty()) return;
        try (RunHandle run = h.get()) {
            RunStatus st = run.status();
            if (!st.state().terminal()) {
                throw new OrbitException("bundle " + b.name() + " is already running (run " + st.run().runId() + " on " + st.run().target()
                        + (st.run().pid() == null ? "" : ", pid " + st.run().pid()) + ", " + st.state().wire() + "): watch it with `orbit launch logs "
                        + b.name() + " --follow` or stop it with `orbit launch cancel " + b.name() + "`");
            }
        }
    }

    /**
     * Moves the previous run's runtime/ and artifacts/ into runs/PREV_ID/ so the new run never overwrites collected
     * evidence. last_run.json is copied (the live one is replaced when the new run records itself, so a reader
     * always finds one); the target's control files stay. launch.sh repeats this only for what it finds in its own
     * directory, i.e. a remote host's copy of the bundle.
     */
    static void archivePrevious(Bundle b, String newRunId, Target target) {
        Optional<LastRun> prev = LastRun.read(b.runtimeDir());
        if (prev.isEmpty() || prev.get().runId() == null || prev.get().runId().equals(newRunId)) return;
        String id = prev.get().runId();
        if (!id.matches("[A-Za-z0-9._-]+") || id.startsWith(".")) {
            throw new OrbitException("runtime/last_run.json names run id '" + id + "', not a run id: move runtime/ and artifacts/ aside by hand");
        }
        Map<String, String> moved = new TreeMap<>();
        try {
            for (String area : List.of("runtime", "artifacts")) {
                Path dir = b.path().resolve(area);
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
                Path dest = dir.resolve("runs").resolve(id);
                List<Path> entries;
                try (Stream<Path> s = Files.list(dir)) {
                    entries = s.sorted().collect(Collectors.toList());
                }
                for (Path e : entries) {
                    String name = e.getFileName().toString();
                    String rel = area + "/" + name;
                    if (name.equals("runs") || target.controlFiles().contains(rel) && !rel.equals("runtime/" + LastRun.FILE)) continue;
                    Files.createDirectories(dest);
                    if (rel.equals("runtime/" + LastRun.FILE)) {
                        Files.copy(e, dest.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                        continue;
                    }
                    Files.move(e, dest.resolve(name), LinkOption.NOFOLLOW_LINKS);
                    moved.put(rel, area + "/runs/" + id + "/" + name);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot archive the previous run " + id + " of " + b.name(), e);
        }
        target.archived(b, id, moved);
    }

    private static void awaitRecorded(Bundle b, String runId, Target.Started started, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<LastRun> r = started.recorded();
            if (r.isPresent() && runId.equals(r.get().runId()) && (r.get().pid() != null || r.get().slurmJobId() != null)) return;
            Optional<String> failed = started.failure();
            if (failed.isPresent() && (r.isEmpty() || !runId.equals(r.get().runId()))) throw new OrbitException(failed.get());
            try {
                started.awaitChange();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        String why = started.diagnosis();
        throw new OrbitException("scripts/launch.sh of " + b.name() + " did not record run " + runId + " within " + timeout.toSeconds() + "s"
                + (why.isBlank() ? "" : " (" + why + ")") + ": check `orbit launch status " + b.name() + "` and runtime/launch.out");
    }

    static String newRunId() {
        byte[] r = new byte[2];
        RANDOM.nextBytes(r);
        return ZonedDateTime.now(ZoneOffset.UTC).format(RUN_ID_TIME) + "-" + HexFormat.of().formatHex(r);
    }
}
