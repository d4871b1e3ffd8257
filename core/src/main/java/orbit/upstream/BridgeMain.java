package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bridge process started by `orbit upstream serve`: starts the pinned command as a {@link BlackboxRun} in
 * "serve" mode, binds the Unix socket (mode 0600), writes its {@link BridgeRecord}, and relays until it gets
 * SIGTERM (`orbit upstream stop`) or the upstream exits. Then the run is recorded like any other: raw files moved
 * to artifacts/upstream/NAME/RUN_ID/ with orbit-manifest.json, the checkout clean again.
 * Usage: BridgeMain BUNDLE_DIR NAME SOCKET
 */
public final class BridgeMain {
    private BridgeMain() {}

    public static void main(String[] args) {
        try {
            System.exit(serve(Bundle.open(Path.of(args[0])), args[1], Path.of(args[2])));
        } catch (OrbitException e) {
            System.err.println("orbit upstream serve: " + e.getMessage());
            System.exit(1);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(2);
        }
    }

    static int serve(Bundle bundle, String name, Path socket) throws IOException, InterruptedException {
        String bad = BridgeRecord.badSocket(bundle, socket);
        if (bad != null) throw new OrbitException(bad);
        if (Files.exists(socket)) throw new OrbitException(socket + " already exists: stop the bridge using it or pass another --socket");
        BlackboxRun run = BlackboxRun.begin(bundle, name, "serve");
        Process upstream = run.start(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        AtomicBoolean finished = new AtomicBoolean();
        Object lock = new Object();
        // run once, by whoever comes first (SIGTERM's hook, the upstream's exit, the end of serving); the others wait for it
        Runnable end = () -> {
            synchronized (lock) {
                if (!finished.compareAndSet(false, true)) return;
                try {
                    server.close();
                } catch (IOException ignored) {
                    // closing only stops new connections
                }
                try {
                    upstream.getOutputStream().close(); // end of input: a well-behaved upstream exits by itself
                } catch (IOException ignored) {
                    // already gone
                }
                try {
                    if (!upstream.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) BlackboxRun.stop(upstream);
                } catch (InterruptedException e) {
                    BlackboxRun.stop(upstream);
                }
                Integer exit = upstream.isAlive() ? null : upstream.exitValue();
                try {
                    Files.deleteIfExists(socket);
                } catch (IOException ignored) {
                    // a stale socket is refused by the next serve with one line
                }
                try {
                    Files.deleteIfExists(BridgeRecord.file(bundle, name));
                } catch (IOException | RuntimeException ignored) {
                    // `stop` treats a record of a dead bridge as stale
                }
                BlackboxManifest m = run.finish(exit);
                System.err.println("bridge: ended at " + Instant.now() + ", upstream exit " + exit + ", manifest "
                        + run.runDir().resolve(BlackboxManifest.FILE) + (m.treeCleanAfter() ? "" : " (checkout NOT clean)"));
            }
        };
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            end.run();
            throw new OrbitException("cannot listen on " + socket + ": " + e.getMessage());
        }
        Bridge bridge = new Bridge(server, new BufferedOutputStream(upstream.getOutputStream(), 1 << 16),
                new BufferedInputStream(upstream.getInputStream(), 1 << 16), () -> new Thread(end, "orbit-bridge-end").start());
        Runtime.getRuntime().addShutdownHook(new Thread(end, "orbit-bridge-stop"));
        upstream.onExit().thenRun(() -> new Thread(end, "orbit-bridge-end").start());
        ProcessHandle self = ProcessHandle.current();
        new BridgeRecord(BridgeRecord.SCHEMA, bundle.path().toAbsolutePath().normalize().toString(), name, socket.toString(), self.pid(),
                self.info().startInstant().map(Instant::toString).orElse(null), run.runId()).write(bundle);
        System.err.println("bridge: serving " + name + " of " + bundle.name() + " on " + socket + ", run " + run.runId());
        bridge.serve();
        end.run(); // the server socket closed: the run is recorded before this process exits
        return 0;
    }
}
