package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Digests;
import orbit.bundle.JobSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One run of a pinned upstream, as-is, inside its staged checkout: the tree must be clean at the pinned commit
 * before; afterwards every file the run created or changed (ignored ones included) is moved unchanged into
 * artifacts/upstream/NAME/RUN_ID/ under its relative path, tracked files it changed are restored from the commit,
 * and {@link BlackboxManifest} is written beside them. Upstream runs have their own run ids and never touch
 * runtime/last_run.json.
 */
public final class BlackboxRun {
    private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JobSpec.UpstreamPin pin;
    private final Path checkout;
    private final String runId;
    private final Path runDir;
    private final String mode;
    private final Map<String, String> ignoredBefore;
    private Instant startedAt = Instant.now();

    private BlackboxRun(Bundle bundle, JobSpec.UpstreamPin pin, String mode, String runId, Path runDir, Map<String, String> ignoredBefore) {
        this.pin = pin;
        this.checkout = Checkout.dir(bundle, pin.name());
        this.mode = mode;
        this.runId = runId;
        this.runDir = runDir;
        this.ignoredBefore = ignoredBefore;
    }

    /** Runs the pinned command to its end and records it; returns the manifest. */
    public static BlackboxManifest run(Bundle bundle, String name) {
        BlackboxRun r = begin(bundle, name, "run");
        Process p = r.start(ProcessBuilder.Redirect.appendTo(r.runDir.resolve(BlackboxManifest.STDOUT).toFile()),
                ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Integer exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            stop(p);
            Thread.currentThread().interrupt();
            exit = p.isAlive() ? null : p.exitValue();
        }
        return r.finish(exit);
    }

    /**
     * Checks the tree and makes the run's directory. {@code mode}: "run" (to its end) or "serve" (behind the bridge).
     * Refuses a checkout that is not clean at the pinned commit: a run from a modified tree would not be comparable.
     */
    static BlackboxRun begin(Bundle bundle, String name, String mode) {
        JobSpec.UpstreamPin pin = runnable(bundle, name);
        Path checkout = Checkout.dir(bundle, name);
        Map<String, String> ignored = new TreeMap<>();
        for (Checkout.Change c : Checkout.changes(checkout, true)) {
            if (c.ignored()) ignored.put(c.path(), fingerprint(checkout.resolve(c.path())));
        }
        Path base = bundle.artifactsDir().resolve("upstream").resolve(name);
        try {
            Files.createDirectories(base);
            for (int i = 0; ; i++) {
                String id = newRunId();
                try {
                    Path dir = Files.createDirectory(base.resolve(id));
                    return new BlackboxRun(bundle, pin, mode, id, dir, ignored);
                } catch (FileAlreadyExistsException taken) {
                    if (i > 20) throw taken;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + base, e);
        }
    }

    /** The pin, if it has a command and its checkout is clean at the commit; otherwise one line saying what to do. */
    static JobSpec.UpstreamPin runnable(Bundle bundle, String name) {
        JobSpec.UpstreamPin pin = Checkout.pin(bundle, name);
        if (pin.command() == null) {
            throw new OrbitException("upstream " + name + " of " + bundle.name() + " was pinned without a command: pin it again under a new name with `-- COMMAND ...`");
        }
        Checkout.Verdict v = Checkout.check(bundle, pin);
        if (!v.ok()) {
            throw new OrbitException(String.join("; ", v.lines()) + ": the upstream must run unmodified; restore the checkout"
                    + " (e.g. `git -C inputs/upstream/" + name + " checkout --detach " + pin.commit() + "` and remove untracked files)");
        }
        return pin;
    }

    String runId() {
        return runId;
    }

    Path runDir() {
        return runDir;
    }

    /** Starts the pinned command in the checkout; stderr always goes to orbit-stderr.log. */
    Process start(ProcessBuilder.Redirect stdout, ProcessBuilder.Redirect stdin) {
        ProcessBuilder pb = new ProcessBuilder(pin.command()).directory(checkout.toFile())
                .redirectOutput(stdout).redirectInput(stdin)
                .redirectError(ProcessBuilder.Redirect.appendTo(runDir.resolve(BlackboxManifest.STDERR).toFile()));
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the pinned tree
        startedAt = Instant.now();
        try {
            return pb.start();
        } catch (IOException e) {
            finish(null);
            throw new OrbitException("cannot start " + pin.command().get(0) + " in inputs/upstream/" + pin.name() + ": "
                    + e.getMessage().lines().findFirst().orElse("") + ": check the pinned command");
        }
    }

    /** Ends a process and its descendants: TERM, then KILL after a grace period. */
    static void stop(Process p) {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : all) {
            try {
                h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception notYet) {
                h.destroyForcibly();
            }
        }
    }

    /** Moves what the run left in the checkout into the run's directory, restores tracked files, writes the manifest. */
    BlackboxManifest finish(Integer exitCode) {
        String endedAt = Instant.now().toString();
        List<BlackboxManifest.Artifact> artifacts = new ArrayList<>();
        List<String> restored = new ArrayList<>();
        List<String> left = new ArrayList<>();
        for (String own : List.of(BlackboxManifest.STDOUT, BlackboxManifest.STDERR)) {
            Path f = runDir.resolve(own);
            if (Files.isRegularFile(f)) artifacts.add(describe(own, own.equals(BlackboxManifest.STDOUT) ? "stdout" : "stderr"));
        }
        collect(artifacts, restored, left);
        Checkout.TreeState after = Checkout.state(checkout);
        boolean cleanAfter = after.clean() && pin.commit().equals(after.head());
        BlackboxManifest m = new BlackboxManifest(BlackboxManifest.SCHEMA, runId, mode, pin.name(), pin.source(), pin.commit(), pin.command(),
                "inputs/" + Checkout.INPUTS_DIR + "/" + pin.name(), true, cleanAfter, startedAt.toString(), endedAt, exitCode,
                Files.isRegularFile(runDir.resolve(BlackboxManifest.STDOUT)) ? BlackboxManifest.STDOUT : null, BlackboxManifest.STDERR,
                artifacts, restored, left);
        m.write(runDir);
        return m;
    }

    private void collect(List<BlackboxManifest.Artifact> artifacts, List<String> restored, List<String> left) {
        List<Checkout.Change> changes = Checkout.changes(checkout, true);
        if (changes.stream().anyMatch(c -> " ?!".indexOf(c.code().charAt(0)) < 0)) {
            // the run staged something: put the index back to the commit first, so every change is a worktree change
            Git.check(checkout, "cannot reset the index of inputs/upstream/" + pin.name(), "reset", "--quiet");
            changes = Checkout.changes(checkout, true);
        }
        Set<Path> emptied = new LinkedHashSet<>();
        List<String> toRestore = new ArrayList<>();
        for (Checkout.Change c : changes) {
            String rel = c.path().endsWith("/") ? c.path().substring(0, c.path().length() - 1) : c.path();
            Path src = checkout.resolve(rel);
            boolean tracked = !c.untracked() && !c.ignored();
            if (c.ignored() && fingerprint(src).equals(ignoredBefore.get(c.path()))) continue; // there before, unchanged
            if (tracked) toRestore.add(rel);
            if (!Files.exists(src, LinkOption.NOFOLLOW_LINKS)) continue; // deleted: restored below
            Path dst = runDir.resolve(rel);
            if (Files.exists(dst, LinkOption.NOFOLLOW_LINKS)) {
                left.add(rel); // never overwrite: it stays where the run left it, and the tree is reported dirty
                toRestore.remove(rel);
                continue;
            }
            String origin = c.ignored() ? "ignored" : tracked ? "modified" : "created";
            try {
                Files.createDirectories(dst.getParent());
                try {
                    Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(src, dst);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot move " + src + " to " + dst, e);
            }
            emptied.add(src.getParent());
            if (Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> walk = Files.walk(dst)) {
                    for (Path f : walk.filter(q -> !Files.isDirectory(q, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                        artifacts.add(describe(runDir.relativize(f).toString(), origin));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + dst, e);
                }
            } else {
                artifacts.add(describe(rel, origin));
            }
        }
        if (!toRestore.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("--literal-pathspecs", "checkout", "--quiet", "--"));
            args.addAll(toRestore);
            Git.check(checkout, "cannot restore the pinned files of inputs/upstream/" + pin.name(), args.toArray(String[]::new));
            restored.addAll(toRestore);
        }
        // directories the run made and that are empty now (git does not track directories)
        for (Path d : emptied) {
            Path q = d;
            while (q != null && q.startsWith(checkout) && !q.equals(checkout) && isEmptyDir(q)) {
                try {
                    Files.delete(q);
                } catch (IOException e) {
                    break;
                }
                q = q.getParent();
            }
        }
        artifacts.sort(Comparator.comparing(BlackboxManifest.Artifact::path));
    }

    private static boolean isEmptyDir(Path d) {
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) return false;
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private BlackboxManifest.Artifact describe(String rel, String origin) {
        Path f = runDir.resolve(rel);
        try {
            if (Files.isSymbolicLink(f)) return new BlackboxManifest.Artifact(rel, origin, null, null, Files.readSymbolicLink(f).toString());
            return new BlackboxManifest.Artifact(rel, origin, Files.size(f), Digests.sha256(f), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }

    /** Enough to tell whether an ignored file changed during the run. */
    private static String fingerprint(Path f) {
        try {
            if (Files.isSymbolicLink(f)) return "link:" + Files.readSymbolicLink(f);
            if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) return "dir"; // an ignored nested repository: never moved
            return Files.isRegularFile(f) ? Files.size(f) + ":" + Digests.sha256(f) : "missing";
        } catch (IOException e) {
            return "unreadable";
        }
    }

    static String newRunId() {
        byte[] r = new byte[2];
        RANDOM.nextBytes(r);
        return ZonedDateTime.now(ZoneOffset.UTC).format(RUN_ID_TIME) + "-" + HexFormat.of().formatHex(r);
    }
}
