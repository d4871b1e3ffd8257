package orbit.ssh;

import orbit.OrbitException;

import java.net.URI;
import java.net.URISyntaxException;

/** Where a rented host answers: {@code ssh://user@host[:port]}. */
public record SshAddress(String user, String host, int port) {
    public static final int DEFAULT_PORT = 22;

    public SshAddress {
        if (host == null || host.isBlank()) throw new OrbitException("ssh target has no host: write ssh://user@host[:port]");
        if (host.startsWith("-") || user != null && user.startsWith("-")) throw new OrbitException("ssh target " + host + ": a host or user may not start with '-'");
        if (port <= 0 || port > 65535) throw new OrbitException("ssh port " + port + " is out of range: write ssh://user@host[:port]");
        if (user == null || user.isBlank()) user = System.getProperty("user.name");
    }

    /** Parses {@code ssh://user@host[:port]}, {@code user@host[:port]} or {@code host[:port]}. */
    public static SshAddress parse(String text) {
        String s = text == null ? "" : text.strip();
        if (!s.startsWith("ssh://")) s = "ssh://" + s;
        try {
            URI uri = new URI(s);
            if (uri.getHost() == null) throw new OrbitException("cannot read ssh target '" + text + "': write ssh://user@host[:port]");
            if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
                throw new OrbitException("ssh target '" + text + "' has a path: give the remote directory with --remote-dir");
            }
            return new SshAddress(uri.getUserInfo(), uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort());
        } catch (URISyntaxException e) {
            throw new OrbitException("cannot read ssh target '" + text + "': write ssh://user@host[:port]");
        }
    }

    /** The name known_hosts uses: {@code host}, or {@code [host]:port} off port 22. */
    public String knownHostsName() {
        return port == DEFAULT_PORT ? host : "[" + host + "]:" + port;
    }

    /** What `orbit hosts trust` takes. */
    public String hostAndPort() {
        return port == DEFAULT_PORT ? host : host + ":" + port;
    }

    @Override
    public String toString() {
        return "ssh://" + user + "@" + host + (port == DEFAULT_PORT ? "" : ":" + port);
    }
}
