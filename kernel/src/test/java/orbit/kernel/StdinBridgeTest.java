package orbit.kernel;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class StdinBridgeTest {

    @Test
    void aReplyThatArrivesBeforeTheReaderWaitsIsNotLost() {
        AtomicReference<StdinBridge> bridge = new AtomicReference<>();
        AtomicInteger requests = new AtomicInteger();
        // the frontend answers at once, while the request is still being sent
        bridge.set(new StdinBridge(prompt -> {
            requests.incrementAndGet();
            bridge.get().reply("line " + requests.get());
            return true;
        }));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            BufferedReader r = new BufferedReader(new InputStreamReader(bridge.get(), StandardCharsets.UTF_8));
            assertEquals("line 1", r.readLine());
            assertEquals("line 2", r.readLine());
        });
        assertEquals(2, requests.get());
    }

    @Test
    void aStaleReplyDoesNotAnswerTheNextRequest() {
        AtomicReference<StdinBridge> bridge = new AtomicReference<>();
        bridge.set(new StdinBridge(prompt -> {
            bridge.get().reply("fresh");
            return true;
        }));
        bridge.get().reply("stale, from an interrupted cell");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
                assertEquals("fresh", new BufferedReader(new InputStreamReader(bridge.get(), StandardCharsets.UTF_8)).readLine()));
    }

    @Test
    void aFrontendWithoutStdinMakesTheReadFail() {
        StdinBridge bridge = new StdinBridge(prompt -> false);
        IOException e = assertThrows(IOException.class, bridge::read);
        assertEquals("this frontend does not accept input (allow_stdin is false)", e.getMessage());
    }
}
