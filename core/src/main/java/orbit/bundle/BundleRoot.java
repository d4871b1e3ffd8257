package orbit.bundle;

import orbit.OrbitException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where bundles live: {@code --root}, else {@code $ORBIT_BUNDLES}, else the nearest {@code bundles/} directory in the
 * working folder or one of its parents (so a notebook in a subfolder of a project sees the project's bundles), else
 * {@code ./bundles}. The one resolver: the CLI, the kernel and the Java API all ask here.
 */
public record BundleRoot(Path dir) {
    public static final String ENV = "ORBIT_BUNDLES";
    public static final String DIR_NAME = "bundles";

    /** The root for this process: its environment and its working folder. */
    public static BundleRoot resolve(Path explicit) {
        return resolve(explicit, System.getenv(ENV), Path.of("").toAbsolutePath());
    }

    /** The rule itself, with the environment value and the working folder passed in. */
    public static BundleRoot resolve(Path explicit, String envValue, Path workingDir) {
        Path cwd = workingDir.toAbsolutePath().normalize();
        if (explicit != null) return new BundleRoot(cwd.resolve(explicit).normalize());
        if (envValue != null && !envValue.isBlank()) return new BundleRoot(cwd.resolve(envValue).normalize());
        for (Path d = cwd; d != null; d = d.getParent()) {
            Path candidate = d.resolve(DIR_NAME);
            if (Files.isDirectory(candidate)) return new BundleRoot(candidate);
        }
        return new BundleRoot(cwd.resolve(DIR_NAME));
    }

    /** A bundle name, or a path to a bundle directory (anything with a separator or an existing job.json). */
    public Path locate(String nameOrPath) {
        Path asPath = Path.of(nameOrPath);
        if (nameOrPath.contains("/") || Files.isRegularFile(asPath.resolve(Bundle.JOB_FILE)) && !Files.isDirectory(dir.resolve(nameOrPath))) {
            return asPath.toAbsolutePath().normalize();
        }
        return dir.resolve(nameOrPath);
    }

    /** Creates a new bundle named after the spec directly under this root. */
    public Bundle create(JobSpec spec) {
        JobSpecValidator.check(spec);
        return Bundle.create(dir.resolve(spec.name()), spec);
    }

    /** Where {@link #moveAside} keeps replaced bundles: not a bundle name (names never start with a dot). */
    public static final String REPLACED_DIR = ".replaced";

    private static final java.util.Set<String> ACTIVE = java.util.Set.of("staged", "queued", "probing", "prechecking", "running");

    /**
     * Moves the bundle {@code name} out of the way, whole, to {@code .replaced/NAME-UTCSTAMP} under this root, so a
     * demo can be made again without deleting the evidence of the last one. Refuses while its last run is active.
     * Returns where it went; empty when there was no such bundle. {@code lastRunState} reads a bundle's runtime/
     * ({@code orbit.launch.LastRun::stateOf}).
     */
    public java.util.Optional<Path> moveAside(String name, java.util.function.Function<Path, String> lastRunState) {
        Path current = dir.resolve(name).normalize();
        if (!current.getParent().equals(dir) || !Files.exists(current, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return java.util.Optional.empty();
        }
        String state = lastRunState.apply(current.resolve("runtime"));
        if (state != null && ACTIVE.contains(state)) {
            throw new OrbitException("bundle " + name + " has a run in progress (" + state + "): wait for it or cancel it"
                    + " (`orbit launch cancel " + name + "`) before replacing the bundle");
        }
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .format(java.time.Instant.now().atOffset(java.time.ZoneOffset.UTC));
        try {
            Path aside = Files.createDirectories(dir.resolve(REPLACED_DIR));
            Path target = aside.resolve(name + "-" + stamp);
            for (int i = 2; Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS); i++) {
                target = aside.resolve(name + "-" + stamp + "-" + i);
            }
            return java.util.Optional.of(Files.move(current, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move bundle " + name + " aside under " + dir.resolve(REPLACED_DIR), e);
        }
    }

    /**
     * Every directory under the root that holds a job.json, sorted by name. Hidden directories are left out: no
     * bundle name starts with a dot, and an unfinished {@code bundle clone} is built in one. {@code lastRunState}
     * reads a bundle's runtime/ (last_run.json has one reader, {@code orbit.launch.LastRun::stateOf}, which this
     * package cannot name).
     */
    public List<BundleSummary> list(java.util.function.Function<Path, String> lastRunState) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> Files.isRegularFile(p.resolve(Bundle.JOB_FILE)))
                    .sorted()
                    .map(d -> BundleSummary.of(d, lastRunState))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list bundles under " + dir, e);
        }
    }

    public Bundle open(String nameOrPath) {
        Path p = locate(nameOrPath);
        if (!Files.isRegularFile(p.resolve(Bundle.JOB_FILE))) {
            throw new OrbitException("no bundle named " + nameOrPath + " under " + dir + ": list them with `orbit bundle list`, or pass --root");
        }
        return Bundle.open(p);
    }
}
