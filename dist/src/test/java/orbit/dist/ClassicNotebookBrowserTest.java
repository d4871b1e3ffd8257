package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Classic Notebook on loopback, driven by headless Chromium (playwright-core, Debian's chromium): opens the
 * quickstart with the orbit kernel, runs its first code cells with Shift+Enter and checks what the page shows.
 * The screenshot lands in target/browser/quickstart.png.
 */
class ClassicNotebookBrowserTest {
    @TempDir
    Path tmp;

    private Process server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.destroy(); // by the handle of the process this test started
            if (!server.waitFor(10, TimeUnit.SECONDS)) server.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Path playwright() throws Exception {
        Path dir = KernelHarness.projectRoot().resolve("browser-test");
        if (!Files.isDirectory(dir.resolve("node_modules/playwright-core"))) {
            ProcessBuilder npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile()).inheritIO();
            npm.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
            assertEquals(0, npm.start().waitFor(), "npm ci in browser-test/");
        }
        return dir;
    }

    @Test
    void quickstartRunsCellByCellInClassicNotebook() throws Exception {
        Path driver = playwright();
        KernelHarness h = new KernelHarness(tmp);
        Path work = tmp.resolve("work");
        Files.createDirectories(work);
        Files.copy(KernelHarness.projectRoot().resolve("notebooks/quickstart.ipynb"), work.resolve("quickstart.ipynb"));
        int port = freePort();
        String token = UUID.randomUUID().toString().replace("-", "");
        ProcessBuilder pb = new ProcessBuilder(KernelHarness.JUPYTER.toString(), "notebook", "--allow-root", "--no-browser",
                "--ip=127.0.0.1", "--port=" + port, "--port-retries=0", "--NotebookApp.token=" + token,
                "--notebook-dir=" + work);
        pb.environment().putAll(h.env());
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("notebook-server.log").toFile());
        server = pb.start();
        String base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(base + "/api/status?token=" + token).toURL().openConnection();
                if (c.getResponseCode() == 200) break;
            } catch (IOException notYet) {
                // the server is still starting
            }
            if (System.nanoTime() > deadline) throw new AssertionError("Classic Notebook did not start: " + Files.readString(tmp.resolve("notebook-server.log")));
            Thread.sleep(200);
        }
        Path shots = KernelHarness.buildDir().resolve("browser");
        Files.createDirectories(shots);
        Path png = shots.resolve("quickstart.png");
        Files.deleteIfExists(png);
        // the first six code cells: trainer, config, bundle new, two stages, bundle show
        ProcessBuilder node = new ProcessBuilder("node", driver.resolve("run-notebook.js").toString(), base, token,
                "quickstart.ipynb", "6", png.toString(), tmp.resolve("chromium-profile").toString());
        node.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = node.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out + "\nserver log:\n" + Files.readString(tmp.resolve("notebook-server.log")));
        JsonNode result = KernelHarness.JSON.readTree(out);
        assertEquals("orbit", result.path("kernel").asText());
        List<JsonNode> cells = List.copyOf(toList(result.path("cells")));
        assertEquals(6, cells.size(), out);
        for (int i = 0; i < cells.size(); i++) {
            assertEquals("In [" + (i + 1) + "]:", cells.get(i).path("prompt").asText(), "cell " + i + " ran in order");
            assertEquals(0, cells.get(i).path("errors").asInt(), "no error in cell " + i + ": " + cells.get(i));
        }
        assertTrue(cells.get(0).path("text").asText().contains("tiny_trainer.py"), cells.get(0).toString());
        assertTrue(cells.get(1).path("text").asText().contains("\\\"steps\\\": 60"), cells.get(1).toString());
        assertTrue(cells.get(2).path("text").asText().contains("created bundle quickstart"), cells.get(2).toString());
        assertTrue(cells.get(3).path("text").asText().contains("staged: inputs/tiny_trainer.py"), cells.get(3).toString());
        assertTrue(cells.get(5).path("text").asText().contains("quickstart"), cells.get(5).toString());
        assertTrue(Files.size(png) > 10_000, "a screenshot a person can look at: " + png);
        assertTrue(Files.isRegularFile(h.bundles.resolve("quickstart/inputs/config.json")), "the page's cells really ran");
    }

    private static List<JsonNode> toList(JsonNode array) {
        java.util.ArrayList<JsonNode> l = new java.util.ArrayList<>();
        array.forEach(l::add);
        return l;
    }
}
