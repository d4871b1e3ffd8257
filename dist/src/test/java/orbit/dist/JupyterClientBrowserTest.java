package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * JupyterLab 4 or Notebook 7 (from the client venv) on loopback with the packed kernel, driven by headless
 * Chromium through browser-test/run-jupyter.js: Run All of a shipped notebook from the Run menu, then the editor
 * (highlighting, completion, the stop button). Each shipped notebook is run in one of the two clients (they
 * share the notebook widgets), to keep the build short. One server per class; screenshots in target/browser/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JupyterClientBrowserTest {
    private Path tmp;
    private KernelHarness kernel;
    private JupyterServer server;

    /** "lab" or "notebook": the `jupyter` subcommand and the driver's URL scheme. */
    abstract String ui();

    /** The shipped notebook this client runs from top to bottom. */
    abstract String shippedNotebook();

    @BeforeAll
    void startServer(@TempDir Path dir) throws Exception {
        Path venv = ClientVenv.require();
        tmp = dir;
        kernel = new KernelHarness(tmp);
        Path work = Files.createDirectories(tmp.resolve("work"));
        for (String nb : List.of("quickstart.ipynb", "postmortem.ipynb")) {
            Files.copy(KernelHarness.projectRoot().resolve("notebooks").resolve(nb), work.resolve(nb));
        }
        Files.writeString(work.resolve("editor.ipynb"), KernelHarness.JSON.writeValueAsString(KernelHarness.notebook(List.of(
                "String greeting = \"hello\"; // a comment\nfor (int i = 0; i < 3; i++) greeting += i;",
                // one statement whose first line shows it runs: a person presses stop on a cell seen running
                "{ System.out.println(\"looping\"); while (true) {} }",
                ""))));
        // every cell in the page (no windowing), and no news or update checks from a test
        Path settings = tmp.resolve("lab-settings");
        Files.createDirectories(settings.resolve("@jupyterlab/notebook-extension"));
        Files.writeString(settings.resolve("@jupyterlab/notebook-extension/tracker.jupyterlab-settings"), "{\"windowingMode\": \"none\"}");
        Files.createDirectories(settings.resolve("@jupyterlab/apputils-extension"));
        Files.writeString(settings.resolve("@jupyterlab/apputils-extension/notification.jupyterlab-settings"),
                "{\"fetchNews\": \"false\", \"checkForUpdates\": false}");
        Map<String, String> env = new HashMap<>(kernel.env());
        env.put("JUPYTERLAB_SETTINGS_DIR", settings.toString());
        env.put("JUPYTERLAB_WORKSPACES_DIR", tmp.resolve("lab-workspaces").toString());
        env.put("ORBIT_BUNDLES", kernel.bundles.toString());
        server = JupyterServer.start(List.of(venv.resolve("bin/jupyter").toString(), ui(), "--expose-app-in-browser",
                        "--ServerApp.root_dir=" + work),
                "--ServerApp.token", env, tmp.resolve(ui() + "-server.log"));
    }

    @AfterAll
    void stopServer() throws InterruptedException {
        if (server != null) server.close();
    }

    private JsonNode drive(String mode, String... notebooks) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(ui(), server.base, server.token,
                BrowserDriver.screenshots().toString(), tmp.resolve("chromium-" + mode).toString(), mode));
        args.addAll(List.of(notebooks));
        return BrowserDriver.run("run-jupyter.js", args, Duration.ofMinutes(8), server);
    }

    private static void assertRanWithoutErrors(JsonNode nb) {
        for (JsonNode c : nb.path("cells")) {
            assertFalse(c.path("count").isNull(), "every code cell ran: " + c);
            assertEquals("", c.path("error").asText(), "no error: " + c);
            assertFalse(c.path("text").asText().contains("orbit: error"), "no magic error: " + c);
        }
    }

    private static long count(JsonNode nb, String field) {
        long n = 0;
        for (JsonNode c : nb.path("cells")) n += c.path(field).asInt();
        return n;
    }

    @Test
    void runAllOfAShippedNotebookShowsTablesPlotsAndProgress() throws Exception {
        List<JsonNode> runs = BrowserDriver.list(drive("run-all", shippedNotebook()));
        assertEquals(1, runs.size());
        JsonNode nb = runs.get(0);
        assertEquals("orbit", nb.path("kernel").asText());
        assertRanWithoutErrors(nb);
        assertTrue(count(nb, "tables") >= 4, "HTML tables in .jp-OutputArea-output: " + nb);
        assertEquals(2, count(nb, "pngs"), "the loss and GPU memory plots as PNG images");
        assertTrue(Files.size(BrowserDriver.screenshots().resolve(ui() + "-" + shippedNotebook().replace(".ipynb", ".png"))) > 10_000);
        System.out.printf("%s: Run All of %s took %d ms%n", ui(), shippedNotebook(), nb.path("runAllMs").asLong());
        if (shippedNotebook().equals("quickstart.ipynb")) {
            assertTrue(kernel.bundles.resolve("quickstart/artifacts").toFile().isDirectory(), "the page's cells really ran");
            // the progress display: one output, updated in place several times, ending at 100% of a succeeded run
            JsonNode progress = nb.path("progress");
            assertTrue(progress.path("cell").asBoolean(), "the quickstart has a %launch wait cell");
            List<JsonNode> samples = BrowserDriver.list(progress.path("samples"));
            List<JsonNode> running = samples.stream().filter(x -> x.path("text").asText().contains("running: step")).toList();
            assertTrue(running.size() >= 3, "the page showed the bar move: " + progress);
            assertTrue(running.stream().allMatch(x -> x.path("outputs").asInt() == 1), "one display updated in place, not one output per update: " + progress);
            String last = samples.get(samples.size() - 1).path("text").asText();
            assertTrue(last.startsWith("quickstart succeeded: step 60/60 (100%)"), "the bar ends at 100% of a succeeded run: " + last);
            System.out.printf("%s: the progress bar showed %d steps in one output%n", ui(), running.size());
        } else {
            assertTrue(BrowserDriver.list(nb.path("cells")).stream()
                    .anyMatch(c -> c.path("text").asText().contains("simulated crash at step 40")), "the post-mortem names the crash");
        }
    }

    @Test
    void editorHighlightsJavaCompletesAndTheStopButtonInterruptsALoop() throws Exception {
        JsonNode r = drive("editor", "editor.ipynb");
        assertEquals("orbit", r.path("kernel").asText());
        // CodeMirror 6 marks tokens with spans of highlight classes: the keyword, the string and the comment
        // each in their own class, in a colour that is not the plain text's (type names stay plain)
        Map<String, JsonNode> byText = new HashMap<>();
        for (JsonNode t : r.path("tokens")) byText.putIfAbsent(t.path("text").asText(), t);
        String plain = r.path("plainColor").asText();
        for (String token : List.of("for", "\"hello\"", "// a comment")) {
            JsonNode t = byText.get(token);
            assertNotNull(t, "no highlighted token " + token + " in " + r.path("tokens"));
            assertFalse(t.path("cls").asText().isBlank(), token + " has a class: " + t);
            assertFalse(plain.equals(t.path("color").asText()), token + " is coloured: " + t);
        }
        assertEquals(3, List.of("for", "\"hello\"", "// a comment").stream().map(t -> byText.get(t).path("cls").asText()).distinct().count(),
                "keywords, strings and comments look different: " + r.path("tokens"));
        List<String> completions = BrowserDriver.list(r.path("completions")).stream().map(JsonNode::asText).toList();
        assertTrue(completions.stream().anyMatch(c -> c.startsWith("readString")), "the popup offers Files.readString: " + completions);
        JsonNode loop = r.path("cells").get(1);
        assertFalse(loop.path("count").isNull(), "the loop cell finished: " + loop);
        assertTrue(r.path("presses").asInt() <= 3, "the stop button ended the loop: " + r);
        assertEquals("idle", r.path("kernelAfterStop").asText(), "the kernel lives on after the stop");
        assertTrue(Files.size(BrowserDriver.screenshots().resolve(ui() + "-completion.png")) > 5_000);
        // one press should do (test_client.py checks the kernel side exactly); more are reported, not hidden
        System.out.printf("%s: the stop button ended `while (true) {}` after %d press(es), %d ms from the first%n",
                ui(), r.path("presses").asInt(), r.path("interruptMs").asLong());
    }
}
