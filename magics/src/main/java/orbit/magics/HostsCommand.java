package orbit.magics;

import orbit.OrbitException;
import orbit.ssh.HostKeys;
import orbit.ssh.SshAddress;
import orbit.ssh.SshOptions;
import orbit.ssh.SshjTransport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.Callable;

/** `orbit hosts trust HOST[:PORT]`: show a host's key fingerprint and record it in a known_hosts file. */
@Command(name = "hosts", description = "Manage the SSH host keys ORBIT trusts.", mixinStandardHelpOptions = true,
        subcommands = {HostsCommand.Trust.class})
public final class HostsCommand extends Subcommand implements Runnable {
    @Override
    public void run() {
        spec.commandLine().usage(console().out());
    }

    @Command(name = "trust", description = "Show the key HOST offers and record it as trusted (compare the fingerprint with your provider's first).",
            mixinStandardHelpOptions = true)
    static final class Trust extends Subcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "The host, as in ssh://user@HOST[:PORT].")
        String host;

        @Option(names = "--known-hosts", paramLabel = "FILE", description = "Where to record it (default: ~/.ssh/known_hosts).")
        Path knownHosts;

        @Override
        public Integer call() {
            SshAddress address = SshAddress.parse(host.startsWith("ssh://") ? host : "ssh://" + host);
            SshOptions options = SshOptions.defaults();
            if (knownHosts != null) options = options.withKnownHosts(knownHosts.toAbsolutePath());
            Path file = options.knownHostsFile();
            PublicKey key = SshjTransport.scanHostKey(address, options);
            String fp = HostKeys.fingerprint(key);
            switch (HostKeys.check(file, address, key)) {
                case TRUSTED -> console().out().println(address.knownHostsName() + " " + fp + " is already trusted in " + file);
                case CHANGED -> throw new OrbitException(file + " holds a different key for " + address.knownHostsName() + " (offered now: " + fp
                        + "): if the host was really reinstalled, remove its old line from " + file + " and run this again");
                case UNKNOWN -> {
                    HostKeys.record(file, address, key);
                    console().out().println("trusted " + address.knownHostsName() + " " + fp + ": recorded in " + file);
                }
            }
            console().out().flush();
            return Commands.OK;
        }
    }
}
