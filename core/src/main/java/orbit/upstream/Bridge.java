package orbit.upstream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import orbit.bundle.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Relays JSON lines between Unix-socket clients and one long-running upstream process: a request line goes to the
 * process's stdin byte for byte, the next line it writes to stdout goes back to that client. One request at a time
 * (a fair lock around each exchange), any number of connections. A line that is not one JSON value gets an error
 * reply from the bridge and never reaches the upstream. A client that disconnects after sending a request still
 * has its reply read (and discarded), so the next request gets its own reply.
 */
final class Bridge {
    /** Longest request or reply line: a bound, so a client cannot make the bridge hold unbounded memory. */
    static final int MAX_LINE = 64 << 20;

    private final ServerSocketChannel server;
    private final OutputStream toUpstream;
    private final InputStream fromUpstream;
    private final Runnable onUpstreamGone;
    private final ReentrantLock exchange = new ReentrantLock(true);
    private volatile boolean upstreamGone;

    Bridge(ServerSocketChannel server, OutputStream toUpstream, InputStream fromUpstream, Runnable onUpstreamGone) {
        this.server = server;
        this.toUpstream = toUpstream;
        this.fromUpstream = fromUpstream;
        this.onUpstreamGone = onUpstreamGone;
    }

    /** Accepts until the server socket is closed; each connection is served on its own thread. */
    void serve() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                if (!server.isOpen()) return;
                System.err.println("bridge: accept failed: " + e);
                continue;
            }
            Thread t = new Thread(() -> handle(client), "orbit-bridge-client");
            t.setDaemon(true);
            t.start();
        }
    }

    private void handle(SocketChannel client) {
        try (client; InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(client), 1 << 16); OutputStream out = Channels.newOutputStream(client)) {
            while (true) {
                Line request = readLine(in);
                if (request == null || !request.complete()) return; // a request cut off by a disconnect is never forwarded
                String why = request.tooLong() ? "longer than " + MAX_LINE + " bytes" : malformed(request.bytes());
                if (why != null) {
                    if (!reply(out, error("malformed request: " + why + "; send one JSON value per line"))) return;
                    continue;
                }
                byte[] answer = relay(request.bytes());
                if (!reply(out, answer)) return; // gone mid-request: its reply was read and is dropped here
            }
        } catch (IOException e) {
            // the client went away; nothing of the upstream's is left half-read
        }
    }

    /** One exchange with the upstream under the lock: the request line out, one reply line back. */
    private byte[] relay(byte[] request) {
        exchange.lock();
        try {
            if (upstreamGone) return error("the upstream has exited: start it again with `orbit upstream serve`");
            try {
                toUpstream.write(request);
                toUpstream.write('\n');
                toUpstream.flush();
                Line reply = readLine(fromUpstream);
                if (reply != null && reply.complete() && !reply.tooLong()) {
                    return reply.bytes();
                }
                if (reply != null && reply.tooLong()) {
                    return error("the upstream's reply is longer than " + MAX_LINE + " bytes");
                }
            } catch (IOException e) {
                // stdin closed: the upstream ended
            }
            upstreamGone = true;
            onUpstreamGone.run();
            return error("the upstream exited before replying: see its orbit-stderr.log under artifacts/upstream/");
        } finally {
            exchange.unlock();
        }
    }

    private static boolean reply(OutputStream out, byte[] line) {
        try {
            out.write(line);
            out.write('\n');
            out.flush();
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    static byte[] error(String message) {
        return Json.line(Map.of("orbit_error", message)).getBytes(StandardCharsets.UTF_8);
    }

    /** Null when {@code line} is exactly one JSON value (whitespace around it allowed), else why not. */
    static String malformed(byte[] line) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(line)) {
            JsonToken first = p.nextToken();
            if (first == null) return "empty line";
            p.skipChildren();
            if (p.nextToken() != null) return "more than one JSON value on the line";
            return null;
        } catch (JsonProcessingException e) {
            return e.getOriginalMessage().lines().findFirst().orElse("not JSON");
        } catch (IOException e) {
            return "unreadable";
        }
    }

    /** A line without its newline; {@code complete} false when the stream ended first. */
    record Line(byte[] bytes, boolean complete, boolean tooLong) {}

    /** Reads up to and without '\n' (callers pass a buffered stream); null at a clean end of stream. */
    static Line readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        boolean tooLong = false;
        while (true) {
            int c = in.read();
            if (c < 0) return b.size() == 0 && !tooLong ? null : new Line(b.toByteArray(), false, tooLong);
            if (c == '\n') return new Line(b.toByteArray(), true, tooLong);
            if (b.size() < MAX_LINE) b.write(c);
            else tooLong = true;
        }
    }
}
