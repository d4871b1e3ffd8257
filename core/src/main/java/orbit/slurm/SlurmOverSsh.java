package orbit.slurm;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Json;
import orbit.launch.LastRun;
import orbit.ssh.BundleShip;
import orbit.ssh.EvidencePull;
import orbit.ssh.HostUnreachableException;
import orbit.ssh.RemoteShell;
import orbit.ssh.SshLease;
import orbit.ssh.Transport;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Slurm reached through a login node: Slurm's commands run there in the bundle's copy (--remote-dir, on a filesystem
 * the compute nodes share), the bundle is shipped and its evidence pulled with the SSH target's own
 * {@link BundleShip} and {@link EvidencePull}. The job's record is read from the login node's copy.
 */
final class SlurmOverSsh implements SlurmCommands, AutoCloseable {
    private final Transport.Connector connector;
    private SshLease lease;
    private Transport transport;

    SlurmOverSsh(Transport.Connector connector, SshLease lease, Transport connected) {
        this.connector = connector;
        this.lease = lease;
        this.transport = connected;
    }

    synchronized SshLease lease() {
        return lease;
    }

    /** The login node answered: recorded in runtime/ssh.json, so a later command knows when it was last seen. */
    synchronized void seen(java.nio.file.Path runtimeDir) {
        lease = lease.seen(java.time.Instant.now());
        lease.write(runtimeDir);
    }

    /**
     * How long the login node has not answered, when that is longer than {@code --lost-after}; empty while it is
     * within the window (or was never seen, which a launch makes impossible).
     */
    synchronized Optional<Duration> silentBeyondLostAfter() {
        return lease.lastSeenAt().map(at -> Duration.between(at, java.time.Instant.now()))
                .filter(d -> d.compareTo(lease.lostAfter()) >= 0);
    }

    private synchronized Transport transport() {
        if (transport != null && !transport.isConnected()) {
            transport.close();
            transport = null;
        }
        if (transport == null) transport = connector.connect(lease.address(), lease.options());
        return transport;
    }

    @Override
    public Result run(List<String> argv, Duration limit) {
        String cmd = "cd " + RemoteShell.dir(lease.remoteDir()) + " || exit 3\n"
                + argv.stream().map(RemoteShell::quote).collect(Collectors.joining(" "));
        try {
            Transport.Result r = transport().run("bash -c " + RemoteShell.quote(cmd), limit);
            return new Result(r.exitStatus(), r.stdout(), r.stderr());
        } catch (HostUnreachableException e) {
            return new Result(255, "", e.getMessage());
        }
    }

    @Override
    public String where() {
        return lease.target();
    }

    /** Ships job.json, inputs/ and scripts/ (sbatch.sh included) to the login node's copy. */
    void ship(Bundle b) {
        new BundleShip(transport(), b.path(), lease.remoteDir()).push();
    }

    /** The job's own runtime/last_run.json on the shared filesystem; empty until the job (or nothing) wrote one. */
    Optional<LastRun> jobRecord() {
        Result r = run(List.of("cat", "runtime/" + LastRun.FILE), Duration.ofSeconds(30));
        if (!r.ok() || r.stdout().isBlank()) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(r.stdout(), LastRun.class));
        } catch (IOException e) {
            return Optional.empty(); // caught mid-rename: the next look reads it whole
        }
    }

    /** Brings runtime/ and artifacts/ here (append-only, never outside the bundle). */
    EvidencePull.Report pull(Bundle b) {
        try {
            return new EvidencePull(transport(), b.path(), lease.remoteDir()).pull();
        } catch (HostUnreachableException e) {
            throw new OrbitException("cannot pull from " + lease.target() + " (" + e.getMessage() + "): what was pulled before is in " + b.path());
        }
    }

    @Override
    public synchronized void close() {
        if (transport != null) transport.close();
        transport = null;
    }
}
