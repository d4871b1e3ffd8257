package orbit.bundle;

import orbit.OrbitException;

import java.nio.file.Files;
import java.nio.file.Path;

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

    public Bundle open(String nameOrPath) {
        Path p = locate(nameOrPath);
        if (!Files.isRegularFile(p.resolve(Bundle.JOB_FILE))) {
            throw new OrbitException("no bundle named " + nameOrPath + " under " + dir + ": list them with `orbit bundle list`, or pass --root");
        }
        return Bundle.open(p);
    }
}
