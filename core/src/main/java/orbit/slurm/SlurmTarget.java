package orbit.slurm;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Digests;
import orbit.launch.LastRun;
import orbit.launch.LaunchOptions;
import orbit.launch.RunHandle;
import orbit.launch.Target;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs a bundle as a Slurm job: scripts/sbatch.sh is submitted held, the run is recorded as {@code queued} with its
 * {@code slurm_job_id}, then released; the launch returns without waiting for the job to start. The bundle
 * directory must be on a filesystem every node of the allocation shares, since the job writes straight into it.
 * Liveness and the final verdict come from Slurm ({@link SlurmRunHandle}), never from a pid on this machine.
 */
public final class SlurmTarget implements Target {
    public static final String SPEC = "slurm";
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(60);

    private final String spec;
    private final Function<Bundle, SlurmCommands> commands;

    /** Slurm's commands on this machine, with this process's environment. */
    public SlurmTarget() {
        this(SPEC, b -> SlurmCommands.local(b.path(), Map.of()));
    }

    /**
     * @param spec     what last_run.json records as the target
     * @param commands how Slurm's commands reach the cluster for a bundle (run in its directory there)
     */
    public SlurmTarget(String spec, Function<Bundle, SlurmCommands> commands) {
        this.spec = spec;
        this.commands = commands;
    }

    @Override
    public String spec() {
        return spec;
    }

    /** Refuses what cannot go through sbatch before anything is archived or submitted. */
    @Override
    public LaunchOptions prepare(Bundle bundle, LaunchOptions options) {
        refuseSecrets(bundle);
        SbatchScript.directives(bundle.job());
        return options;
    }

    /** Slurm keeps a batch job's environment in its state directory in clear: no secret may go that way. */
    static void refuseSecrets(Bundle bundle) {
        List<String> secrets = bundle.job().entrypoint().secretEnv();
        if (!secrets.isEmpty()) {
            throw new OrbitException("bundle " + bundle.name() + " has secret_env " + String.join(", ", secrets)
                    + ", which cannot go to Slurm: sbatch stores a job's environment in clear in slurmctld's state directory;"
                    + " run it with --target ssh://user@host, or read the secret from a file on the cluster instead");
        }
    }

    @Override
    public Started start(Bundle b, String runId, LaunchOptions options) {
        refuseSecrets(b);
        SbatchScript.write(b, runId, options);
        SlurmCommands slurm = commands.apply(b);
        // Held at submission, released once the run is recorded as queued: the job can never write its own
        // state before that record, so the record never goes back to queued.
        SlurmCommands.Result sub = slurm.run(List.of("sbatch", "--parsable", "--hold", "scripts/" + SbatchScript.FILE), COMMAND_LIMIT);
        if (!sub.ok()) {
            throw new OrbitException("sbatch refused the job of " + b.name() + " on " + slurm.where() + ": " + sub.why()
                    + ": check job.json's resources against the cluster (`sinfo -o '%P %D %c %m %G'`)");
        }
        String jobId = sub.stdout().strip().lines().reduce((a, c) -> c).orElse("").split(";")[0].strip();
        if (!jobId.matches("\\d+(_\\d+)?")) {
            throw new OrbitException("sbatch printed no job id for " + b.name() + " (" + sub.stdout().strip() + "): look for it with `squeue --me`");
        }
        LastRun.queued(runId, spec, Digests.sha256(b.jobFile()), jobId, Instant.now().toString()).write(b.runtimeDir());
        SlurmCommands.Result rel = slurm.run(List.of("scontrol", "release", jobId), COMMAND_LIMIT);
        if (!rel.ok()) {
            slurm.run(List.of("scancel", jobId), COMMAND_LIMIT);
            LastRun.read(b.runtimeDir()).ifPresent(r -> r.withSlurm(orbit.launch.RunState.FAILED, Instant.now().toString(), null,
                    "could not release held Slurm job " + jobId + ": " + rel.why(), null, null).write(b.runtimeDir()));
            throw new OrbitException("could not release Slurm job " + jobId + " of " + b.name() + " (" + rel.why() + "): it was cancelled; launch again");
        }
        SlurmRunHandle handle = new SlurmRunHandle(b, runId, slurm);
        return new Started() {
            @Override
            public Optional<LastRun> recorded() {
                try {
                    return LastRun.read(b.runtimeDir());
                } catch (OrbitException e) {
                    return Optional.empty();
                }
            }

            @Override
            public RunHandle confirm() {
                return handle;
            }

            @Override
            public void abandon() {
                slurm.run(List.of("scancel", jobId), COMMAND_LIMIT);
            }
        };
    }

    @Override
    public Optional<RunHandle> attach(Bundle bundle) {
        return LastRun.read(bundle.runtimeDir())
                .filter(r -> r.slurmJobId() != null)
                .map(r -> new SlurmRunHandle(bundle, r.runId(), commands.apply(bundle)));
    }
}
