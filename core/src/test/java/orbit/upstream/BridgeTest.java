package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A real bridge process in front of a small Python upstream that echoes each request line. */
@Timeout(120)
class BridgeTest {
    /** Logs every line it receives; a request {"hold": PATH} is answered only once PATH exists. */
    private static final String ECHO = String.join("\n",
            "import json, os, sys, time",
            "log = open('requests.log', 'a')",
            "for line in sys.stdin:",
            "    log.write(line); log.flush()",
            "    req = json.loads(line)",
            "    gate = req.get('hold') if isinstance(req, dict) else None",
            "    while gate and not os.path.exists(gate):",
            "        time.sleep(0.01)",
            "    sys.stdout.write(json.dumps({'echo': req}) + '\\n'); sys.stdout.flush()",
            "");
    private static final Duration CALL = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private Bundle bundle;
    private final List<Long> started = new ArrayList<>();

    private Bundle pinned() {
        Path src = GitRepos.repo(dir.resolve("src"), Map.of("echo.py", ECHO));
        Bundle b = Bundle.create(dir.resolve("b"), JobSpec.builder("b", List.of("true")).build());
        bundle = Pinning.pin(b, "echo", src.toString(), GitRepos.head(src), List.of("python3", "echo.py")).bundle();
        return bundle;
    }

    @AfterEach
    void noBridgeLeftBehind() {
        if (bundle != null && BridgeRecord.read(bundle, "echo").flatMap(BridgeRecord::live).isPresent()) {
            Bridges.stop(bundle, "echo", Duration.ofSeconds(30));
        }
        for (long pid : started) ProcessHandle.of(pid).ifPresent(h -> fail("bridge pid " + pid + " is still running"));
        if (bundle != null) {
            try {
                Files.deleteIfExists(BridgeRecord.log(bundle, "echo"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void roundTripMalformedLinesAndAClientThatLeavesMidRequest() throws Exception {
        Bundle b = pinned();
        Bridges.Serving s = Bridges.serve(b, "echo", null);
        started.add(s.pid());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.socket())));
        assertTrue(s.socket().toString().getBytes(StandardCharsets.UTF_8).length <= 107);
        assertFalse(s.socket().startsWith(b.runtimeDir()));

        assertEquals("{\"echo\": {\"id\": 1, \"text\": \"h\\u00e9\"}}", Bridges.call(b, "echo", "{\"id\": 1, \"text\": \"h\\u00e9\"}", CALL));

        // malformed lines get the bridge's error and never reach the upstream
        try (SocketChannel ch = connect(s.socket())) {
            OutputStream out = Channels.newOutputStream(ch);
            BufferedInputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            for (String bad : List.of("{\"id\": ", "not json", "{} {}", "")) {
                out.write((bad + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                String reply = new String(Bridge.readLine(in).bytes(), StandardCharsets.UTF_8);
                assertTrue(reply.startsWith("{\"orbit_error\":\"malformed request: "), reply);
            }
            out.write("{\"id\": 2}\n".getBytes(StandardCharsets.UTF_8)); // the same connection goes on
            out.flush();
            assertEquals("{\"echo\": {\"id\": 2}}", new String(Bridge.readLine(in).bytes(), StandardCharsets.UTF_8));
        }

        // a client sends a request and leaves before the reply: the reply is read and dropped, the next caller gets its own
        Path checkout = Checkout.dir(b, "echo");
        Path gate = dir.resolve("gate");
        try (SocketChannel ch = connect(s.socket())) {
            Channels.newOutputStream(ch).write(("{\"id\": 3, \"hold\": \"" + gate + "\"}\n").getBytes(StandardCharsets.UTF_8));
            awaitContains(checkout.resolve("requests.log"), "\"id\": 3");
        }
        Files.writeString(gate, "open");
        assertEquals("{\"echo\": {\"id\": 4}}", Bridges.call(b, "echo", "{\"id\": 4}", CALL));

        // a request cut off by a disconnect is never forwarded
        try (SocketChannel ch = connect(s.socket())) {
            Channels.newOutputStream(ch).write("{\"id\": 5".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("{\"echo\": {\"id\": 6}}", Bridges.call(b, "echo", "{\"id\": 6}", CALL));

        String runId = Bridges.stop(b, "echo", Duration.ofSeconds(30));
        assertEquals(s.runId(), runId);
        assertFalse(Files.exists(s.socket()), "the socket is removed");
        assertTrue(ProcessHandle.of(s.pid()).isEmpty(), "the bridge ended");

        Path runDir = b.artifactsDir().resolve("upstream/echo").resolve(runId);
        BlackboxManifest m = BlackboxManifest.read(runDir);
        assertEquals("serve", m.mode());
        assertEquals(0, m.exitCode(), "the upstream ended on end of input");
        assertTrue(m.treeCleanAfter());
        assertEquals(List.of("{\"id\": 1, \"text\": \"h\\u00e9\"}", "{\"id\": 2}", "{\"id\": 3, \"hold\": \"" + gate + "\"}", "{\"id\": 4}", "{\"id\": 6}"),
                Files.readAllLines(runDir.resolve("requests.log")), "byte for byte, and nothing malformed or cut off");
        assertTrue(Checkout.check(b, b.job().upstream().get(0)).ok());
        assertThrows(OrbitException.class, () -> Bridges.call(b, "echo", "{}", CALL));
    }

    @Test
    void aSecondServeIsRefusedAndBadSocketsAreOneLine() throws Exception {
        Bundle b = pinned();
        OrbitException inRuntime = assertThrows(OrbitException.class, () -> Bridges.serve(b, "echo", b.runtimeDir().resolve("x.sock")));
        assertTrue(inRuntime.getMessage().contains("inside the bundle's runtime/"), inRuntime.getMessage());
        Path tooLong = dir.resolve("d".repeat(120) + ".sock");
        OrbitException longPath = assertThrows(OrbitException.class, () -> Bridges.serve(b, "echo", tooLong));
        assertTrue(longPath.getMessage().contains("more than a Unix socket allows (107)"), longPath.getMessage());

        Bridges.Serving s = Bridges.serve(b, "echo", null);
        started.add(s.pid());
        // the served upstream has opened its log in its checkout: a second serve must still say it is served
        awaitContains(Checkout.dir(b, "echo").resolve("requests.log"), "");
        OrbitException twice = assertThrows(OrbitException.class, () -> Bridges.serve(b, "echo", null));
        assertTrue(twice.getMessage().contains("is already served on " + s.socket()), twice.getMessage());
        assertTrue(Bridges.call(b, "echo", "[1, 2]", CALL).equals("{\"echo\": [1, 2]}"));
    }

    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    /** Waits (bounded by the class timeout) until the upstream has logged a request. */
    private static void awaitContains(Path file, String text) throws IOException, InterruptedException {
        while (!(Files.exists(file) && Files.readString(file).contains(text))) Thread.sleep(10);
    }
}
