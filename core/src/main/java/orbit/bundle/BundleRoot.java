package orbit.bundle;

import orbit.OrbitException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where bundles live: --root, else $ORBIT_BUNDLES, else ./bundles. */
public record BundleRoot(Path dir) {
    public static final String ENV = "ORBIT_BUNDLES";

    public static BundleRoot resolve(Path explicit) {
        if (explicit != null) return new BundleRoot(explicit.toAbsolutePath().normalize());
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) return new BundleRoot(Path.of(env).toAbsolutePath().normalize());
        return new BundleRoot(Path.of("bundles").toAbsolutePath().normalize());
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

    /**
     * Every directory under the root that holds a job.json, sorted by name. {@code lastRunState} reads a bundle's
     * runtime/ (last_run.json has one reader, {@code orbit.launch.LastRun::stateOf}, which this package cannot name).
     */
    public List<BundleSummary> list(java.util.function.Function<Path, String> lastRunState) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> Files.isRegularFile(p.resolve(Bundle.JOB_FILE)))
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
