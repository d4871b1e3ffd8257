package orbit.slurm;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Digests;
import orbit.launch.LastRun;
import orbit.launch.LaunchOptions;
import orbit.launch.RunHandle;
import orbit.launch.Target;
import orbit.ssh.BundleShip;
import orbit.ssh.EvidencePull;
import orbit.ssh.HostKeys;
import orbit.ssh.HostUnreachableException;
import orbit.ssh.SshAddress;
import orbit.ssh.SshLease;
import orbit.ssh.SshOptions;
import orbit.ssh.SshTarget;
import orbit.ssh.SshjTransport;
import orbit.ssh.Transport;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Runs a bundle as a Slurm job: scripts/sbatch.sh is submitted held, the run is recorded as {@code queued} with its
 * {@code slurm_job_id}, then released; the launch returns without waiting for the job to start. The bundle
 * directory must be on a filesystem every node of the allocation shares, since the job writes straight into it.
 * Liveness and the final verdict come from Slurm ({@link SlurmRunHandle}), never from a pid on this machine.
 * Through a login node ({@code slurm+ssh://user@host[:port]}) the bundle is shipped there first and its evidence
 * pulled back, with the SSH target's options, transport and pulls.
 */
public final class SlurmTarget implements Target {
    public static final String SPEC = "slurm";
    private static final Duration COMMAND_LIMIT = Duration.ofSeconds(60);

    public static final String SSH_PREFIX = "slurm+";

    private final String spec;
    private final Function<Bundle, SlurmCommands> commands;
    /** Set for a login node reached over SSH; null: Slurm's commands on this machine. */
    private final SshAddress login;
    private final SshTarget.Settings sshSettings;
    private final Transport.Connector connector;

    /** Slurm's commands on this machine, with this process's environment. */
    public SlurmTarget() {
        this(SPEC, b -> SlurmCommands.local(b.path(), Map.of()));
    }

    /**
     * @param spec     what last_run.json records as the target
     * @param commands how Slurm's commands reach the cluster for a bundle (run in its directory there)
     */
    public SlurmTarget(String spec, Function<Bundle, SlurmCommands> commands) {
        this(spec, commands, null, null, null);
    }

    private SlurmTarget(String spec, Function<Bundle, SlurmCommands> commands, SshAddress login, SshTarget.Settings settings,
                        Transport.Connector connector) {
        this.spec = spec;
        this.commands = commands;
        this.login = login;
        this.sshSettings = settings;
        this.connector = connector;
    }

    /** Submits through a login node: {@code slurm+ssh://user@host[:port]}, with the SSH target's settings. */
    public static SlurmTarget overSsh(SshAddress login, SshTarget.Settings settings, Transport.Connector connector) {
        SshTarget.Settings s = settings == null ? SshTarget.Settings.defaults() : settings;
        return new SlurmTarget(SSH_PREFIX + login, null, login, s, connector);
    }

    /** From a --target or last_run.json "target" string: slurm+ssh://user@host[:port]. */
    public static SlurmTarget parseSsh(String spec) {
        if (!spec.startsWith(SSH_PREFIX + "ssh://")) {
            throw new OrbitException("target " + spec + ": write it as slurm+ssh://user@login-host[:port]");
        }
        return overSsh(SshAddress.parse(spec.substring(SSH_PREFIX.length())), null, Transport.Connector.SSH);
    }

    /** The same target reached through another connector (a login node made of local processes, in tests). */
    public SlurmTarget via(Transport.Connector other) {
        return login == null ? this : new SlurmTarget(spec, null, login, sshSettings, other);
    }

    /** Slurm's commands for a bundle already launched: on this machine, or on the login node runtime/ssh.json names. */
    private SlurmCommands commandsFor(Bundle b) {
        if (login == null) return commands.apply(b);
        SshLease lease = SshLease.read(b.runtimeDir()).orElseThrow(() -> new OrbitException("bundle " + b.name()
                + " has no runtime/ssh.json: launch it with `orbit launch " + b.name() + " --target " + spec + "`"));
        return new SlurmOverSsh(connector, lease, null);
    }

    /** Connects to the login node (recording a new host key only when asked) and records runtime/ssh.json. */
    private SlurmOverSsh connect(Bundle b, LaunchOptions opts) {
        SshOptions ssh = sshSettings.ssh();
        String tofu = null;
        if (sshSettings.trustNewHost() && ssh.knownHosts() == null) ssh = ssh.withKnownHosts(b.runtimeDir().resolve("known_hosts"));
        Transport t;
        try {
            t = connector.connect(login, ssh);
        } catch (OrbitException e) {
            if (!sshSettings.trustNewHost() || e instanceof HostUnreachableException || e.getMessage().contains("CHANGED")) throw e;
            java.security.PublicKey key = SshjTransport.scanHostKey(login, ssh);
            HostKeys.record(ssh.knownHostsFile(), login, key);
            tofu = HostKeys.fingerprint(key);
            t = connector.connect(login, ssh);
        }
        String remoteDir = sshSettings.remoteDir() != null ? sshSettings.remoteDir() : BundleShip.defaultRemoteDir(b.name());
        Duration lostAfter = sshSettings.lostAfter() != null ? sshSettings.lostAfter() : opts.heartbeat().multipliedBy(3);
        SshLease lease = new SshLease(SshLease.SCHEMA, login.toString(), remoteDir,
                ssh.identity() == null ? null : ssh.identity().toAbsolutePath().toString(),
                ssh.knownHostsFile().toAbsolutePath().toString(), tofu, tofu != null ? Boolean.TRUE : null,
                opts.heartbeat().toMillis(), sshSettings.syncEvery().toMillis(), lostAfter.toMillis(), null,
                Instant.now().toString(), null, null);
        lease.write(b.runtimeDir());
        return new SlurmOverSsh(connector, lease, t);
    }

    /** Over SSH the pull record and the connection state stay in place when a run is archived. */
    @Override
    public Set<String> controlFiles() {
        return login == null ? Set.of() : EvidencePull.CONTROL_FILES;
    }

    @Override
    public void archived(Bundle b, String previousRunId, Map<String, String> moved) {
        if (login != null) new SshTarget(login, sshSettings).archived(b, previousRunId, moved);
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
        int nodes = bundle.job().resources() == null ? 1 : bundle.job().resources().nodes();
        if (nodes > 1 && !options.trackerArgv().isEmpty()) {
            // scripts/gpu-tracker.sh would exec that argv on every node, each writing the one file it names
            throw new OrbitException("bundle " + bundle.name() + " runs on " + nodes + " nodes, where each node's tracker writes its own"
                    + " artifacts/nodes/NODE/nvml-audit.jsonl: launch it without a tracker argv (ORBIT's shell tracker runs on every node)");
        }
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
        SlurmCommands slurm;
        if (login == null) {
            slurm = commands.apply(b);
        } else {
            SlurmOverSsh remote = connect(b, options);
            try {
                remote.ship(b);
            } catch (RuntimeException e) {
                remote.close();
                throw e;
            }
            slurm = remote;
        }
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
                .map(r -> new SlurmRunHandle(bundle, r.runId(), commandsFor(bundle)));
    }
}
