package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** `upstream serve | call | stop`: start a {@link BridgeMain} process, send it one request, end it. */
public final class Bridges {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private Bridges() {}

    /** A bridge that accepts on {@code socket}, relaying to run {@code runId} of the upstream. */
    public record Serving(String name, Path socket, long pid, String runId) {}

    public static Serving serve(Bundle bundle, String name, Path socket) {
        // A live bridge first: its upstream may be writing into its checkout, and the clean-tree check below would
        // then tell the user to delete the files of a running upstream instead of saying it is served.
        Optional<BridgeRecord> existing = BridgeRecord.read(bundle, name);
        if (existing.isPresent() && existing.get().live().isPresent()) {
            throw new OrbitException("upstream " + name + " of " + bundle.name() + " is already served on " + existing.get().socket()
                    + ": stop it with `orbit upstream stop " + bundle.name() + " " + name + "`");
        }
        // the same refusals BridgeMain would make, here, so they are one line in the caller's terminal
        BlackboxRun.runnable(bundle, name);
        Path sock = socket == null ? BridgeRecord.defaultSocket(bundle, name) : socket.toAbsolutePath().normalize();
        String bad = BridgeRecord.badSocket(bundle, sock);
        if (bad != null) throw new OrbitException(bad);
        clearStale(bundle, name, existing, sock);
        if (Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
            throw new OrbitException(sock + " already exists: stop the bridge using it, remove it, or pass another --socket");
        }
        Path log = BridgeRecord.log(bundle, name);
        List<String> argv = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid"))) argv.add("setsid"); // not in the caller's process group: Ctrl-C there does not reach it
        argv.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), BridgeMain.class.getName(),
                bundle.path().toAbsolutePath().normalize().toString(), name, sock.toString()));
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new OrbitException("cannot start the bridge: " + e.getMessage());
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<BridgeRecord> r = BridgeRecord.read(bundle, name);
            if (r.isPresent() && r.get().socket().equals(sock.toString()) && r.get().live().isPresent()) {
                return new Serving(name, sock, r.get().pid(), r.get().runId());
            }
            if (!p.isAlive() && p.exitValue() != 0) {
                throw new OrbitException("the bridge for " + name + " did not start: " + lastLine(log));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new OrbitException("the bridge for " + name + " did not start within " + START_TIMEOUT.toSeconds() + " s: see " + log);
    }

    /** Sends one request line and returns the reply line. */
    public static String call(Bundle bundle, String name, String request, Duration timeout) {
        if (request.indexOf('\n') >= 0 || request.indexOf('\r') >= 0) {
            throw new OrbitException("the request spans several lines: give one JSON value on one line");
        }
        BridgeRecord r = running(bundle, name);
        CompletableFuture<String> answer = new CompletableFuture<>();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(r.socket()));
            Thread reader = new Thread(() -> {
                try {
                    OutputStream out = Channels.newOutputStream(ch);
                    out.write(request.getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                    out.flush();
                    InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
                    Bridge.Line line = Bridge.readLine(in);
                    if (line == null || !line.complete()) answer.completeExceptionally(new IOException("the bridge closed the connection without a reply"));
                    else answer.complete(new String(line.bytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    answer.completeExceptionally(e);
                }
            }, "orbit-upstream-call");
            reader.setDaemon(true);
            reader.start();
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new OrbitException("no reply from upstream " + name + " within " + timeout.toSeconds() + " s: call again with a longer --timeout, or stop it");
        } catch (ExecutionException e) {
            throw new OrbitException("the bridge for " + name + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrbitException("call to upstream " + name + " interrupted");
        } catch (IOException e) {
            throw new OrbitException("cannot reach the bridge for " + name + " at " + r.socket() + ": " + e.getMessage()
                    + ": start it again with `orbit upstream serve " + bundle.name() + " " + name + "`");
        }
    }

    /** Ends the bridge and its upstream (the run is recorded by the bridge); returns the run id. */
    public static String stop(Bundle bundle, String name, Duration timeout) {
        BridgeRecord r = running(bundle, name);
        ProcessHandle h = r.live().orElseThrow(() -> notRunning(bundle, name));
        h.destroy();
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new OrbitException("the bridge for " + name + " (pid " + r.pid() + ") did not end within " + timeout.toSeconds() + " s: see " + BridgeRecord.log(bundle, name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return r.runId();
    }

    private static BridgeRecord running(Bundle bundle, String name) {
        Checkout.pin(bundle, name);
        Optional<BridgeRecord> r = BridgeRecord.read(bundle, name);
        if (r.isEmpty() || r.get().live().isEmpty()) throw notRunning(bundle, name);
        return r.get();
    }

    private static OrbitException notRunning(Bundle bundle, String name) {
        return new OrbitException("no bridge is serving upstream " + name + " of " + bundle.name() + ": start one with `orbit upstream serve "
                + bundle.name() + " " + name + "`");
    }

    /** A record left by a bridge that died without cleaning up, and its socket when that was in the private directory. */
    private static void clearStale(Bundle bundle, String name, Optional<BridgeRecord> stale, Path sock) {
        try {
            if (stale.isPresent()) Files.deleteIfExists(BridgeRecord.file(bundle, name));
            Path def = BridgeRecord.defaultSocket(bundle, name);
            if (sock.equals(def) && Files.exists(def, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(def, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(def); // our own directory, no live bridge for it: a socket left by a crash
            }
        } catch (IOException e) {
            throw new OrbitException("cannot clear the stale bridge record for " + name + ": " + e.getMessage());
        }
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) if (!lines.get(i).isBlank()) return lines.get(i).replaceFirst("^orbit upstream serve: ", "");
            return "no output (see " + log + ")";
        } catch (IOException e) {
            return "see " + log;
        }
    }
}
