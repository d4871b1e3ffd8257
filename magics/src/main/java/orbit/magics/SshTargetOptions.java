package orbit.magics;

import orbit.OrbitException;
import orbit.ssh.BundleShip;
import orbit.ssh.SshAddress;
import orbit.ssh.SshOptions;
import orbit.launch.Target;
import orbit.slurm.SlurmTarget;
import orbit.ssh.SshTarget;
import orbit.ssh.Transport;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The options of `orbit launch NAME --target ssh://...` and `--target slurm+ssh://...` (a mixin, so the launch grammar
 * stays one class).
 */
public final class SshTargetOptions {
    @Option(names = "--identity", paramLabel = "KEY", description = "SSH private key (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa).")
    Path identity;

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "known_hosts file that must hold the host's key (default: ~/.ssh/known_hosts).")
    Path knownHosts;

    @Option(names = "--remote-dir", paramLabel = "DIR", description = "Bundle directory on the host (default: ~/orbit/bundles/NAME).")
    String remoteDir;

    @Option(names = "--sync-every", paramLabel = "DURATION", defaultValue = "30s", description = "Pull runtime/ and artifacts/ this often (default: ${DEFAULT-VALUE}).")
    String syncEvery;

    @Option(names = "--lost-after", paramLabel = "DURATION", description = "Record the run lost when the host has not answered this long (default: 3 heartbeats).")
    String lostAfter;

    @Option(names = "--trust-new-host", description = "Trust an unknown host key on first use and record it in the bundle (runtime/known_hosts unless --known-hosts).")
    boolean trustNewHost;

    /** The SSH or Slurm-over-SSH target these options describe; null for a target that takes none of them. */
    Target target(String spec, Console console) {
        boolean slurm = spec.startsWith(SlurmTarget.SSH_PREFIX + "ssh://");
        if (!spec.startsWith("ssh://") && !slurm) {
            if (identity != null || knownHosts != null || remoteDir != null || lostAfter != null || trustNewHost) {
                throw new OrbitException("--identity, --known-hosts, --remote-dir, --lost-after and --trust-new-host apply to"
                        + " --target ssh://user@host and slurm+ssh://user@host only");
            }
            return null;
        }
        SshOptions ssh = SshOptions.defaults();
        if (identity != null) ssh = ssh.withIdentity(identity.toAbsolutePath());
        if (knownHosts != null) ssh = ssh.withKnownHosts(knownHosts.toAbsolutePath());
        Console.Display progress = console.displayUpdatable("shipping the bundle to " + spec + " ...");
        long[] last = {0};
        SshTarget.Settings settings = new SshTarget.Settings(ssh, remoteDir,
                LaunchCommand.duration("--sync-every", syncEvery),
                lostAfter == null ? null : LaunchCommand.duration("--lost-after", lostAfter),
                trustNewHost, true, System::getenv,
                (BundleShip.Progress p) -> {
                    synchronized (last) {
                        long now = System.nanoTime();
                        if (now - last[0] > 500_000_000L || p.bytesSent() == p.bytesToSend()) {
                            last[0] = now;
                            progress.update(p.toString());
                        }
                    }
                });
        if (slurm) {
            return SlurmTarget.overSsh(SshAddress.parse(spec.substring(SlurmTarget.SSH_PREFIX.length())), settings, Transport.Connector.SSH);
        }
        return new SshTarget(SshAddress.parse(spec), settings);
    }
}
