package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The browser drivers in browser-test/ (playwright-core in Debian's Chromium), run with node; they answer JSON. */
final class BrowserDriver {
    private BrowserDriver() {}

    /** Where screenshots are kept for a person to look at: target/browser. */
    static Path screenshots() throws IOException {
        return Files.createDirectories(KernelHarness.buildDir().resolve("browser"));
    }

    private static synchronized Path dir() throws IOException, InterruptedException {
        Path dir = KernelHarness.projectRoot().resolve("browser-test");
        if (!Files.isDirectory(dir.resolve("node_modules/playwright-core"))) {
            ProcessBuilder npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile()).inheritIO();
            npm.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            Process p = npm.start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "npm ci in browser-test/ took over 5 minutes");
            assertEquals(0, p.exitValue(), "npm ci in browser-test/");
        }
        return dir;
    }

    /** Runs {@code script} with {@code args}; its JSON answer, or a failure quoting the server log. */
    static JsonNode run(String script, List<String> args, Duration timeout, JupyterServer server) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", dir().resolve(script).toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        // read the answer on another thread so that the timeout holds even if the driver hangs
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(script + " did not finish in " + timeout + "; server log:\n" + server.log());
        }
        String text = out.get(10, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), script + " failed: " + text + "\nserver log:\n" + server.log());
        return KernelHarness.JSON.readTree(text);
    }

    static List<JsonNode> list(JsonNode array) {
        List<JsonNode> l = new ArrayList<>();
        array.forEach(l::add);
        return l;
    }
}
