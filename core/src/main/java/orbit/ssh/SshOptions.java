package orbit.ssh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to reach a host: which key to log in with, which known_hosts file vouches for it,
 * how often to ask whether it is still there.
 *
 * @param identity    private key file; null: the usual ~/.ssh/id_* files (sshj 0.40 has no agent support)
 * @param knownHosts  the known_hosts file that must hold the host's key; null: ~/.ssh/known_hosts
 * @param keepAlive   interval of keepalive requests on an open connection
 * @param keepAliveMaxCount unanswered keepalives before the connection is declared dead
 * @param connectTimeout    limit on TCP connect and on each blocking wait for the host
 */
public record SshOptions(Path identity, Path knownHosts, Duration keepAlive, int keepAliveMaxCount, Duration connectTimeout) {
    public SshOptions {
        keepAlive = keepAlive == null ? Duration.ofSeconds(5) : keepAlive;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(15) : connectTimeout;
        if (keepAliveMaxCount <= 0) keepAliveMaxCount = 3;
    }

    public static SshOptions defaults() {
        return new SshOptions(null, null, null, 3, null);
    }

    public SshOptions withIdentity(Path key) {
        return new SshOptions(key, knownHosts, keepAlive, keepAliveMaxCount, connectTimeout);
    }

    public SshOptions withKnownHosts(Path file) {
        return new SshOptions(identity, file, keepAlive, keepAliveMaxCount, connectTimeout);
    }

    public SshOptions withTimeouts(Duration keepAliveInterval, int maxCount, Duration connect) {
        return new SshOptions(identity, knownHosts, keepAliveInterval, maxCount, connect);
    }

    public static Path userSshDir() {
        return Path.of(System.getProperty("user.home"), ".ssh");
    }

    public Path knownHostsFile() {
        return knownHosts != null ? knownHosts : userSshDir().resolve("known_hosts");
    }

    /** The keys to offer: the one named, else whichever of the usual files exist. */
    public List<Path> identities() {
        if (identity != null) return List.of(identity);
        List<Path> found = new ArrayList<>();
        for (String n : new String[] {"id_ed25519", "id_ecdsa", "id_rsa"}) {
            Path p = userSshDir().resolve(n);
            if (Files.isReadable(p)) found.add(p);
        }
        return found;
    }
}
