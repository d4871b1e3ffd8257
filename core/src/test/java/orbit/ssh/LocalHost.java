package orbit.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A host made of local processes, reached through the {@link Transport} seam without an sshd: every command
 * runs as {@code bash -c COMMAND} in the host's home directory, the way sshd runs it through the user's shell.
 * It can be made slow like a login shell that initialises conda ({@link #slowShell}: start-up code runs in the
 * command's shell before the command, as .bashrc does under sshd, and is not inherited by what the command starts)
 * and frozen like a host that vanished ({@link #freeze}: open
 * connections die as on unanswered keepalives, new ones wait for the banner until their limit).
 */
final class LocalHost implements Transport.Connector {
    private final Path home;
    private final SshAddress address;
    private final AtomicInteger epoch = new AtomicInteger();
    private final Object frozenLock = new Object();
    private volatile boolean frozen;
    private volatile String startup = "";
    private final AtomicInteger connects = new AtomicInteger();
    private final Set<Process> running = ConcurrentHashMap.newKeySet();

    LocalHost(Path home) {
        this.home = home;
        this.address = new SshAddress("orbit", "local.test", 2222);
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    SshAddress address() {
        return address;
    }

    Path home() {
        return home;
    }

    int connects() {
        return connects.get();
    }

    /** Every command first runs {@code startup} (bash code), as a .bashrc does for each command sshd runs. */
    void slowShell(String code) {
        startup = code + "\n";
    }

    /** The host stops answering: commands under way end as on a dead connection, and no new one gets through. */
    void freeze() {
        frozen = true;
        epoch.incrementAndGet();
        for (Process p : running) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    void thaw() {
        synchronized (frozenLock) {
            frozen = false;
            frozenLock.notifyAll();
        }
    }

    /** Waits like a client whose banner exchange hangs on a frozen host: until the host thaws or the limit passes. */
    private void awaitThaw(Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        synchronized (frozenLock) {
            while (frozen) {
                long left = (end - System.nanoTime()) / 1_000_000;
                if (left <= 0) throw new HostUnreachableException("cannot reach " + address + ": no banner within " + limit.toMillis() + " ms", null);
                try {
                    frozenLock.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new HostUnreachableException("interrupted while reaching " + address, e);
                }
            }
        }
    }

    @Override
    public Transport connect(SshAddress to, SshOptions options) {
        awaitThaw(options.connectTimeout());
        connects.incrementAndGet();
        return new Connection(epoch.get(), options);
    }

    private final class Connection implements Transport {
        private final int born;
        private final SshOptions options;
        private volatile boolean closed;

        Connection(int born, SshOptions options) {
            this.born = born;
            this.options = options;
        }

        @Override
        public SshAddress address() {
            return address;
        }

        @Override
        public boolean isConnected() {
            return !closed && epoch.get() == born;
        }

        @Override
        public Transport another() {
            return connect(address, options);
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public int exec(String command, StdinWriter stdin, StdoutReader stdout, OutputStream stderr, Duration timeout) {
            if (!isConnected()) throw new HostUnreachableException("lost " + address + ": connection is dead", null);
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", startup + command).directory(home.toFile());
            pb.environment().put("HOME", home.toString());
            pb.environment().remove("BASH_ENV");
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new HostUnreachableException("cannot start bash on " + address + ": " + e.getMessage(), e);
            }
            running.add(p);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            Thread watchdog = daemon(() -> {
                try {
                    while (p.isAlive()) {
                        long left = (deadline - System.nanoTime()) / 1_000_000;
                        if (left <= 0 || !isConnected()) {
                            failure.compareAndSet(null, new HostUnreachableException(left <= 0
                                    ? address + " did not finish the command within " + timeout.toMillis() + " ms"
                                    : "lost " + address + ": connection died", null));
                            p.descendants().forEach(ProcessHandle::destroyForcibly);
                            p.destroyForcibly();
                            return;
                        }
                        Thread.sleep(Math.min(left, 20));
                    }
                } catch (InterruptedException ignored) {
                    // the command ended first
                }
            });
            Thread writer = daemon(() -> {
                try (OutputStream os = p.getOutputStream()) {
                    if (stdin != null) stdin.write(os);
                } catch (IOException e) {
                    failure.compareAndSet(null, e);
                }
            });
            Thread errPump = daemon(() -> {
                try (InputStream err = p.getErrorStream()) {
                    err.transferTo(stderr == null ? OutputStream.nullOutputStream() : stderr);
                } catch (IOException ignored) {
                    // diagnostic only
                }
            });
            try {
                try (InputStream in = p.getInputStream()) {
                    if (stdout != null) stdout.read(in);
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (IOException e) {
                    failure.compareAndSet(null, new HostUnreachableException("lost " + address + ": " + e.getMessage(), e));
                }
                int rc = p.waitFor();
                writer.join(1000);
                errPump.join(1000);
                if (failure.get() instanceof HostUnreachableException h) throw h;
                if (failure.get() instanceof IOException io && !isConnected()) throw new HostUnreachableException("lost " + address, io);
                return rc > 128 ? -1 : rc;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new orbit.OrbitException("interrupted while waiting for " + address);
            } finally {
                watchdog.interrupt();
                running.remove(p);
            }
        }
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "local-host");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
