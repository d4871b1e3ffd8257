package orbit.ssh;

import net.schmizz.keepalive.KeepAlive;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.keepalive.KeepAliveRunner;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import orbit.OrbitException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** {@link Transport} over sshj. The only class that imports sshj besides {@link HostKeys}. */
public final class SshjTransport implements Transport {
    private final SshAddress address;
    private final SshOptions options;
    private final SSHClient client;

    private SshjTransport(SshAddress address, SshOptions options, SSHClient client) {
        this.address = address;
        this.options = options;
        this.client = client;
    }

    /** Connects, verifies the host key strictly against the known_hosts file, and logs in with a key. */
    public static SshjTransport connect(SshAddress address, SshOptions options) {
        Path knownHosts = options.knownHostsFile();
        HostKeys.Strict verifier = HostKeys.Strict.load(knownHosts);
        SSHClient client = newClient(options);
        client.addHostKeyVerifier(verifier);
        try {
            withTimeout(options.connectTimeout(), client, () -> {
                client.connect(address.host(), address.port());
                return null;
            });
        } catch (IOException e) {
            closeQuietly(client);
            if (verifier.refusal != null) throw HostKeys.refused(address, knownHosts, verifier.refusal);
            throw new HostUnreachableException("cannot reach " + address + ": " + message(e) + " (is the host up and sshd listening?)", e);
        }
        try {
            List<KeyProvider> keys = new ArrayList<>();
            for (Path id : options.identities()) {
                if (!Files.isReadable(id)) throw new OrbitException("identity " + id + " is not readable: pass an existing private key with --identity");
                keys.add(client.loadKeys(id.toString()));
            }
            if (keys.isEmpty()) throw new OrbitException("no SSH key to log in to " + address + ": pass one with --identity KEY");
            withTimeout(options.connectTimeout(), client, () -> {
                client.authPublickey(address.user(), keys);
                return null;
            });
        } catch (UserAuthException e) {
            closeQuietly(client);
            throw new OrbitException("login to " + address + " refused for the key(s) offered: check the user and --identity", e);
        } catch (IOException e) {
            closeQuietly(client);
            throw new HostUnreachableException("lost " + address + " while logging in: " + message(e), e);
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw e;
        }
        return new SshjTransport(address, options, client);
    }

    /** Only offers the key a host presents, never trusts it: what `orbit hosts trust` shows before recording. */
    public static java.security.PublicKey scanHostKey(SshAddress address, SshOptions options) {
        AtomicReference<java.security.PublicKey> seen = new AtomicReference<>();
        SSHClient client = newClient(options);
        client.addHostKeyVerifier(new net.schmizz.sshj.transport.verification.HostKeyVerifier() {
            @Override
            public boolean verify(String hostname, int port, java.security.PublicKey key) {
                seen.set(key);
                return false; // refuse: this connection only reads the key
            }

            @Override
            public List<String> findExistingAlgorithms(String hostname, int port) {
                return List.of();
            }
        });
        try {
            withTimeout(options.connectTimeout(), client, () -> {
                client.connect(address.host(), address.port());
                return null;
            });
        } catch (IOException e) {
            if (seen.get() == null) throw new HostUnreachableException("cannot reach " + address + ": " + message(e), e);
        } finally {
            closeQuietly(client);
        }
        if (seen.get() == null) throw new HostUnreachableException("host " + address + " offered no key", null);
        return seen.get();
    }

    private static SSHClient newClient(SshOptions options) {
        DefaultConfig config = new DefaultConfig();
        // Keepalive must be chosen before connect(): the runner is created with the connection and never fires otherwise.
        config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
        SSHClient client = new SSHClient(config);
        KeepAlive keepAlive = client.getConnection().getKeepAlive();
        keepAlive.setKeepAliveInterval((int) Math.max(1, options.keepAlive().toSeconds()));
        if (keepAlive instanceof KeepAliveRunner runner) runner.setMaxAliveCount(options.keepAliveMaxCount());
        client.setConnectTimeout((int) options.connectTimeout().toMillis());
        client.getTransport().setTimeoutMs((int) options.connectTimeout().toMillis());
        client.getConnection().setTimeoutMs((int) options.connectTimeout().toMillis());
        return client;
    }

    interface IoCall<T> {
        T call() throws IOException;
    }

    /** A frozen host accepts TCP and then never sends its banner; bound every handshake step in time. */
    private static <T> T withTimeout(Duration limit, SSHClient client, IoCall<T> call) throws IOException {
        FutureTask<T> task = new FutureTask<>(call::call);
        Thread t = new Thread(task, "orbit-ssh-connect");
        t.setDaemon(true);
        t.start();
        try {
            return task.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            closeQuietly(client);
            t.interrupt();
            throw new IOException("no answer within " + limit.toSeconds() + " s");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(client);
            throw new IOException("interrupted");
        }
    }

    @Override
    public SshAddress address() {
        return address;
    }

    @Override
    public int exec(String command, StdinWriter stdin, StdoutReader stdout, OutputStream stderr, Duration timeout) {
        Session session;
        try {
            session = client.startSession();
        } catch (IOException e) {
            throw new HostUnreachableException("lost " + address + ": " + message(e), e);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = null, errPump = null;
        Thread watchdog = null;
        try (session) {
            Session.Command cmd = session.exec(command);
            Thread caller = Thread.currentThread();
            long deadline = System.nanoTime() + timeout.toNanos();
            watchdog = daemon("orbit-ssh-deadline", () -> {
                try {
                    while (System.nanoTime() < deadline) {
                        Thread.sleep(Math.min(250, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                        if (!cmd.isOpen()) return;
                    }
                    failure.compareAndSet(null, new TimeoutException("no end within " + timeout.toSeconds() + " s"));
                    closeQuietly(session);
                } catch (InterruptedException ignored) {
                    // the command ended first
                }
            });
            writer = daemon("orbit-ssh-stdin", () -> {
                try (OutputStream os = cmd.getOutputStream()) {
                    if (stdin != null) stdin.write(os);
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            });
            OutputStream errSink = stderr == null ? OutputStream.nullOutputStream() : stderr;
            InputStream errIn = cmd.getErrorStream();
            errPump = daemon("orbit-ssh-stderr", () -> {
                try {
                    errIn.transferTo(errSink);
                } catch (IOException ignored) {
                    // stderr is diagnostic only
                }
            });
            try (InputStream in = cmd.getInputStream()) {
                if (stdout != null) stdout.read(in);
                in.transferTo(OutputStream.nullOutputStream());
            }
            writer.join(timeout.toMillis());
            cmd.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            errPump.join(1000);
            if (failure.get() instanceof TimeoutException te) {
                throw new HostUnreachableException(address + " did not finish `" + shortCommand(command) + "`: " + te.getMessage(), te);
            }
            if (failure.get() instanceof RuntimeException re) throw re;
            if (failure.get() instanceof IOException io) {
                // stdin ended early: the command saw EOF and may have exited 0 on half the data, so this is a failure
                if (!client.isConnected()) throw new HostUnreachableException("lost " + address + ": " + message(io), io);
                throw new java.io.UncheckedIOException("feeding `" + shortCommand(command) + "` on " + address + " failed", io);
            }
            Integer status = cmd.getExitStatus();
            return status == null ? -1 : status;
        } catch (IOException e) {
            if (failure.get() instanceof TimeoutException te) {
                throw new HostUnreachableException(address + " did not finish `" + shortCommand(command) + "`: " + te.getMessage(), te);
            }
            throw new HostUnreachableException("lost " + address + ": " + message(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrbitException("interrupted while waiting for " + address);
        } finally {
            if (watchdog != null) watchdog.interrupt();
        }
    }

    private static String shortCommand(String command) {
        String first = command.lines().findFirst().orElse("");
        return first.length() > 60 ? first.substring(0, 60) + "..." : first;
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public Transport another() {
        return connect(address, options);
    }

    @Override
    public boolean isConnected() {
        return client.isConnected() && client.isAuthenticated();
    }

    @Override
    public void close() {
        closeQuietly(client);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a dead connection can fail; nothing is left to release
        }
    }

    private static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
