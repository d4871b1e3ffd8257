package orbit.bundle;

import orbit.OrbitException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A bundle: the self-describing directory that is the contract between the control plane and the
 * execution plane. Five parts, nothing else at the top: job.json, inputs/, scripts/, runtime/, artifacts/.
 */
public final class Bundle {
    public static final String JOB_FILE = "job.json";

    private final Path path;
    private final JobSpec job;

    private Bundle(Path path, JobSpec job) {
        this.path = path;
        this.job = job;
    }

    /** Creates a new bundle at {@code dir}; refuses to touch an existing one. */
    public static Bundle create(Path dir, JobSpec spec) {
        JobSpecValidator.check(spec);
        if (Files.exists(dir.resolve(JOB_FILE))) {
            throw new OrbitException("bundle " + dir.getFileName() + " already exists at " + dir + ": pick another name, or pass --replace to move it aside (nothing is deleted)");
        }
        Bundle bundle = new Bundle(dir, spec);
        bundle.ensureStructure();
        AtomicFile.writeJson(bundle.jobFile(), spec);
        return bundle;
    }

    /** Opens an existing bundle, validating its job.json. */
    public static Bundle open(Path dir) {
        Path job = dir.resolve(JOB_FILE);
        if (!Files.isRegularFile(job)) {
            throw new OrbitException("no bundle at " + dir + " (no job.json): create one with `orbit bundle new NAME`");
        }
        return new Bundle(dir, JobSpecReader.read(job));
    }

    /** Makes the five-part layout; safe to call again on an existing bundle. */
    public void ensureStructure() {
        try {
            for (Path p : new Path[] {path, inputsDir(), scriptsDir(), runtimeDir(), artifactsDir()}) {
                Files.createDirectories(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create bundle layout at " + path, e);
        }
    }

    /** Replaces job.json atomically after validating the new spec. */
    public Bundle withJob(JobSpec spec) {
        JobSpecValidator.check(spec);
        AtomicFile.writeJson(jobFile(), spec);
        return new Bundle(path, spec);
    }

    public String name() {
        return job.name();
    }

    public JobSpec job() {
        return job;
    }

    public Path path() {
        return path;
    }

    public Path jobFile() {
        return path.resolve(JOB_FILE);
    }

    public Path inputsDir() {
        return path.resolve("inputs");
    }

    public Path scriptsDir() {
        return path.resolve("scripts");
    }

    public Path runtimeDir() {
        return path.resolve("runtime");
    }

    public Path artifactsDir() {
        return path.resolve("artifacts");
    }

    @Override
    public String toString() {
        return "Bundle[" + name() + " at " + path + "]";
    }
}
