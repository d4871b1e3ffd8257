package orbit.ssh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for a rented host: OpenSSH's sshd on 127.0.0.1, a free port, its own host key(s) and one
 * authorized client key, all under a private directory. Used by the tests and by {@link PushBench};
 * stopped by the PID it recorded, never by name.
 */
public final class LoopbackSshd implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final Process process;
    private final Path clientKey;
    private final Path knownHosts;
    private final List<Path> hostKeys;

    private LoopbackSshd(Path dir, int port, Process process, Path clientKey, Path knownHosts, List<Path> hostKeys) {
        this.dir = dir;
        this.port = port;
        this.process = process;
        this.clientKey = clientKey;
        this.knownHosts = knownHosts;
        this.hostKeys = hostKeys;
    }

    /** Starts sshd with an ed25519 host key. */
    public static LoopbackSshd start(Path dir) {
        return start(dir, List.of("ed25519"));
    }

    /** Starts sshd offering host keys of the given types ("ed25519", "rsa", "ecdsa"). */
    public static LoopbackSshd start(Path dir, List<String> hostKeyTypes) {
        return start(dir, hostKeyTypes, java.util.Map.of());
    }

    /** As {@link #start(Path, List)}, with {@code setEnv} in the environment of every command sshd runs (a login node's settings). */
    public static LoopbackSshd start(Path dir, List<String> hostKeyTypes, java.util.Map<String, String> setEnv) {
        try {
            Files.createDirectories(dir);
            Files.createDirectories(Path.of("/run/sshd"));
            List<Path> hostKeys = new ArrayList<>();
            for (String type : hostKeyTypes) {
                Path k = dir.resolve("host_" + type);
                if (!Files.exists(k)) keygen(type, k);
                hostKeys.add(k);
            }
            Path clientKey = dir.resolve("client_ed25519");
            if (!Files.exists(clientKey)) keygen("ed25519", clientKey);
            Files.copy(Path.of(clientKey + ".pub"), dir.resolve("authorized_keys"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            for (int attempt = 0; ; attempt++) {
                int port = freePort();
                Path cfg = dir.resolve("sshd_config");
                StringBuilder c = new StringBuilder();
                c.append("Port ").append(port).append('\n').append("ListenAddress 127.0.0.1\n");
                for (Path k : hostKeys) c.append("HostKey ").append(k).append('\n');
                c.append("PidFile ").append(dir.resolve("sshd.pid")).append('\n')
                        .append("AuthorizedKeysFile ").append(dir.resolve("authorized_keys")).append('\n')
                        .append("PasswordAuthentication no\nKbdInteractiveAuthentication no\n")
                        .append("PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n")
                        .append("Subsystem sftp internal-sftp\nMaxSessions 64\nMaxStartups 64\nClientAliveInterval 0\n");
                setEnv.forEach((k, v) -> c.append("SetEnv ").append(k).append('=').append(v).append('\n'));
                Files.writeString(cfg, c.toString());
                Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-f", cfg.toString(), "-E", dir.resolve("sshd.log").toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.out").toFile()).start();
                if (waitListening(port, p)) {
                    Path kh = dir.resolve("known_hosts");
                    StringBuilder lines = new StringBuilder();
                    for (Path k : hostKeys) {
                        String[] pub = Files.readString(Path.of(k + ".pub")).trim().split("\\s+");
                        lines.append("[127.0.0.1]:").append(port).append(' ').append(pub[0]).append(' ').append(pub[1]).append('\n');
                    }
                    Files.writeString(kh, lines.toString());
                    return new LoopbackSshd(dir, port, p, clientKey, kh, hostKeys);
                }
                p.destroy();
                if (attempt >= 4) throw new IllegalStateException("sshd did not start: " + Files.readString(dir.resolve("sshd.log")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a loopback sshd in " + dir, e);
        }
    }

    static void keygen(String type, Path file) throws IOException {
        run("ssh-keygen", "-q", "-t", type, "-N", "", "-C", "orbit-loopback", "-f", file.toString());
    }

    private static void run(String... argv) throws IOException {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IOException(String.join(" ", argv) + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean waitListening(int port, Process p) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            if (!p.isAlive()) return false;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException e) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public Path dir() {
        return dir;
    }

    public Path clientKey() {
        return clientKey;
    }

    /** A known_hosts file that trusts exactly this sshd's host keys. */
    public Path knownHosts() {
        return knownHosts;
    }

    public List<Path> hostKeys() {
        return hostKeys;
    }

    public SshAddress address() {
        return new SshAddress("root", "127.0.0.1", port);
    }

    public SshOptions options() {
        return SshOptions.defaults().withIdentity(clientKey).withKnownHosts(knownHosts);
    }

    /** Stops the listener and every session it forked (they share its pid as parent) by signal, for host-loss tests. */
    public void signal(String sig) {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants().forEach(h -> pids.add(h.pid()));
        for (long pid : pids) {
            try {
                new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot signal sshd " + pid, e);
            }
        }
    }

    /** Removes a directory tree made for a stand-in host (keys, config, logs); links are removed, never followed. */
    public static void deleteDir(Path dir) {
        if (dir == null || !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (java.util.stream.Stream<Path> w = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) w.sorted(java.util.Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover temp dir is harmless
        }
    }

    @Override
    public void close() {
        signal("CONT");
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (process.isAlive()) process.destroyForcibly();
    }
}
