package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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

    @Test
    void quickstartRunsCellByCellInClassicNotebook() throws Exception {
        KernelHarness h = new KernelHarness(tmp);
        Path work = tmp.resolve("work");
        Files.createDirectories(work);
        Files.copy(KernelHarness.projectRoot().resolve("notebooks/quickstart.ipynb"), work.resolve("quickstart.ipynb"));
        Path png = BrowserDriver.screenshots().resolve("quickstart.png");
        Files.deleteIfExists(png);
        try (JupyterServer server = JupyterServer.start(List.of(KernelHarness.JUPYTER.toString(), "notebook",
                "--notebook-dir=" + work), "--NotebookApp.token", h.env(), tmp.resolve("notebook-server.log"))) {
            // the first six code cells: trainer, config, bundle new, two stages, bundle show
            JsonNode result = BrowserDriver.run("run-notebook.js", List.of(server.base, server.token, "quickstart.ipynb", "6",
                    png.toString(), tmp.resolve("chromium-profile").toString()), Duration.ofMinutes(5), server);
            check(result, png, h);
        }
    }

    private static void check(JsonNode result, Path png, KernelHarness h) throws Exception {
        String out = result.toString();
        assertEquals("orbit", result.path("kernel").asText());
        List<JsonNode> cells = BrowserDriver.list(result.path("cells"));
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
}
