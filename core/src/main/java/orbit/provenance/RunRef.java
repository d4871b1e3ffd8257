package orbit.provenance;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.BundleRoot;
import orbit.bundle.Digests;
import orbit.bundle.Inputs;
import orbit.bundle.InputsIndex;
import orbit.bundle.JobSpec;
import orbit.bundle.JobSpecReader;
import orbit.bundle.Json;
import orbit.launch.LastRun;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A bundle as it is now (NAME: its job.json, its inputs index, its latest run) or one of its runs (NAME@RUN_ID:
 * the job.json and inputs index that launch.sh kept in runtime/ for that run, and that run's runtime/ and
 * artifacts/, archived under runs/RUN_ID/ once a later run started).
 *
 * @param runId  the run whose outcome this is; null for a bundle that never ran
 * @param notes  what could not be read as asked and what was used instead
 */
public record RunRef(String label, Bundle bundle, String runId, Path runtimeDir, Path artifactsDir, JobSpec job,
                     InputsIndex inputs, List<String> notes) {
    /** The copies of job.json and the inputs index that launch.sh keeps in runtime/ for each run. */
    public static final String JOB_SNAPSHOT = "job.json";
    public static final String INPUTS_SNAPSHOT = "inputs-index.json";
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** NAME, a bundle path, or either followed by @RUN_ID. */
    public static RunRef resolve(BundleRoot root, String spec) {
        int at = spec.lastIndexOf('@');
        if (at < 0 || spec.indexOf('/', at) >= 0) return of(root.open(spec)); // an @ inside a directory name
        String runId = spec.substring(at + 1);
        if (at == 0 || runId.isEmpty()) {
            throw new OrbitException(spec + ": write NAME or NAME@RUN_ID, e.g. demo@20261206T101500Z-ab12");
        }
        return run(root.open(spec.substring(0, at)), runId);
    }

    /** The bundle as it is now, with its latest run's outcome. */
    public static RunRef of(Bundle bundle) {
        String runId = LastRun.read(bundle.runtimeDir()).map(LastRun::runId).orElse(null);
        return new RunRef(bundle.name(), bundle, runId, bundle.runtimeDir(), bundle.artifactsDir(), bundle.job(),
                Inputs.of(bundle).index(), List.of());
    }

    /** One run of the bundle, with the job and inputs index as they were when it was launched. */
    public static RunRef run(Bundle bundle, String runId) {
        if (!RUN_ID.matcher(runId).matches()) {
            throw new OrbitException("run id " + runId + ": use letters, digits, '.', '_' and '-' as in runtime/last_run.json");
        }
        Optional<LastRun> latest = LastRun.read(bundle.runtimeDir());
        Path runtime;
        Path artifacts;
        if (latest.isPresent() && runId.equals(latest.get().runId())) {
            runtime = bundle.runtimeDir();
            artifacts = bundle.artifactsDir();
        } else {
            runtime = bundle.runtimeDir().resolve("runs").resolve(runId);
            artifacts = bundle.artifactsDir().resolve("runs").resolve(runId);
            if (!Files.isDirectory(runtime)) {
                throw new OrbitException("bundle " + bundle.name() + " has no run " + runId + ": its runs are " + runIds(bundle));
            }
        }
        String label = bundle.name() + "@" + runId;
        List<String> notes = new ArrayList<>();
        JobSpec job;
        Path jobSnapshot = runtime.resolve(JOB_SNAPSHOT);
        if (Files.isRegularFile(jobSnapshot)) {
            job = JobSpecReader.read(jobSnapshot);
        } else {
            String ranWith = lastRun(runtime).map(LastRun::jobSha256).orElse(null);
            if (ranWith == null || !ranWith.equals(Digests.sha256(bundle.jobFile()))) {
                throw new OrbitException("run " + runId + " of " + bundle.name() + " kept no copy of its job.json (launched by an older ORBIT)"
                        + " and job.json has changed since: use the bundle as it is now (" + bundle.name() + ")");
            }
            job = bundle.job();
            notes.add(label + ": no job.json kept with the run; the bundle's job.json has the digest the run recorded");
        }
        InputsIndex inputs;
        Path indexSnapshot = runtime.resolve(INPUTS_SNAPSHOT);
        if (Files.isRegularFile(indexSnapshot)) {
            try {
                inputs = Json.MAPPER.readValue(Files.readAllBytes(indexSnapshot), InputsIndex.class);
            } catch (IOException e) {
                throw new OrbitException("runtime/" + INPUTS_SNAPSHOT + " of run " + runId + " is unreadable: inspect " + indexSnapshot);
            }
        } else if (Files.isRegularFile(jobSnapshot)) {
            inputs = InputsIndex.empty(); // the run was launched with nothing staged
        } else {
            inputs = Inputs.of(bundle).index();
            notes.add(label + ": no inputs index kept with the run; the bundle's current index is used");
        }
        return new RunRef(label, bundle, runId, runtime, artifacts, job, inputs, List.copyOf(notes));
    }

    /** How this run ended, as runtime/last_run.json says; empty when it never ran. */
    public Optional<LastRun> lastRun() {
        return lastRun(runtimeDir);
    }

    /** artifacts/precheck.json of this run, when its precheck ran. */
    public Optional<PrecheckReport> precheck() {
        return PrecheckReport.read(artifactsDir);
    }

    private static Optional<LastRun> lastRun(Path runtime) {
        try {
            return LastRun.read(runtime);
        } catch (OrbitException e) {
            return Optional.empty();
        }
    }

    private static String runIds(Bundle bundle) {
        List<String> ids = new ArrayList<>();
        Path runs = bundle.runtimeDir().resolve("runs");
        if (Files.isDirectory(runs)) {
            try (Stream<Path> s = Files.list(runs)) {
                s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().forEach(ids::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + runs, e);
            }
        }
        LastRun.read(bundle.runtimeDir()).ifPresent(r -> ids.add(r.runId() + " (latest)"));
        return ids.isEmpty() ? "none (it was never launched)" : String.join(", ", ids);
    }
}
