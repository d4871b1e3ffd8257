package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped notebooks run headless from top to bottom against the packed kernel and show tables, plots, no errors. */
class ShippedNotebooksTest {
    @TempDir
    Path tmp;

    private JsonNode execute(String name) throws Exception {
        KernelHarness h = new KernelHarness(tmp);
        Path work = tmp.resolve("work");
        Files.createDirectories(work);
        Path nb = Files.copy(KernelHarness.projectRoot().resolve("notebooks").resolve(name), work.resolve(name),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        KernelHarness.Run run = h.execute(nb, Map.of(), Duration.ofMinutes(4));
        assertEquals(0, run.exitCode(), run.output());
        // keep the executed copy where a person can open it
        Path keep = KernelHarness.buildDir().resolve("notebooks");
        Files.createDirectories(keep);
        Files.copy(nb.resolveSibling(name.replace(".ipynb", ".out.ipynb")), keep.resolve(name.replace(".ipynb", ".out.ipynb")),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return run.notebook();
    }

    private static void assertNoErrors(JsonNode nb) {
        for (JsonNode o : KernelHarness.outputs(nb)) {
            assertFalse("error".equals(o.path("output_type").asText()), "error output: " + o);
            if ("stream".equals(o.path("output_type").asText()) && "stderr".equals(o.path("name").asText())) {
                assertFalse(KernelHarness.text(o, null).contains("orbit: error"), "magic error: " + o);
            }
        }
    }

    private static long count(JsonNode nb, String mime) {
        return KernelHarness.outputs(nb).stream().filter(o -> o.path("data").has(mime)).count();
    }

    /** The earlier bundles a second run moved aside under bundles/.replaced/ (nothing of the first run deleted). */
    private List<Path> replaced() throws Exception {
        Path dir = tmp.resolve("bundles").resolve(".replaced");
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void quickstartRunsTopToBottomWithTablesPlotsProgressAndPostmortemTwiceInARow() throws Exception {
        for (int round = 1; round <= 2; round++) {
            quickstartRunsTopToBottomWithTablesPlotsProgressAndPostmortem(round);
        }
    }

    private void quickstartRunsTopToBottomWithTablesPlotsProgressAndPostmortem(int round) throws Exception {
        JsonNode nb = execute("quickstart.ipynb");
        assertNoErrors(nb);
        String created = KernelHarness.allText(KernelHarness.outputsOf(nb, 2));
        if (round == 2) {
            assertTrue(created.contains("moved the existing bundle quickstart to "), "the second run says where the first went: " + created);
            assertEquals(1, replaced().size(), replaced().toString());
            assertTrue(Files.isRegularFile(replaced().get(0).resolve("artifacts/nvml-audit.jsonl")), "the first run's evidence is kept");
        }
        List<JsonNode> html = KernelHarness.outputs(nb).stream().filter(o -> o.path("data").has("text/html")).toList();
        assertTrue(html.stream().filter(o -> KernelHarness.text(o, "text/html").contains("<table")).count() >= 4,
                "audit, metrics, peak query and post-mortem as HTML tables");
        assertEquals(2, count(nb, "image/png"), "loss and GPU memory plots");
        // the progress bar: one display, updated in place, that ends at 100% of a succeeded run
        String bar = KernelHarness.allText(KernelHarness.outputsOf(nb, 7));
        assertTrue(bar.contains("quickstart succeeded: step 60/60 (100%)"), bar);
        String peaks = KernelHarness.allText(KernelHarness.outputsOf(nb, 11));
        assertTrue(peaks.contains("minute of peak memory per GPU") && peaks.contains("simulated"), peaks);
        String pm = KernelHarness.allText(KernelHarness.outputsOf(nb, 14));
        assertTrue(pm.contains("Post-mortem of quickstart") && pm.contains("succeeded"), pm);
        assertTrue(pm.contains("none (the run succeeded)"), "a succeeded run has no cause: " + pm);
    }

    @Test
    void postmortemReadsAFailedRunFromAnImportedArchiveTwiceInARow() throws Exception {
        for (int round = 1; round <= 2; round++) {
            postmortemReadsAFailedRunFromAnImportedArchive(round);
        }
    }

    private void postmortemReadsAFailedRunFromAnImportedArchive(int round) throws Exception {
        JsonNode nb = execute("postmortem.ipynb");
        assertNoErrors(nb);
        if (round == 2) {
            List<String> names = replaced().stream().map(p -> p.getFileName().toString()).toList();
            assertEquals(2, names.size(), names.toString());
            assertTrue(names.stream().anyMatch(n -> n.startsWith("crashed-2")) && names.stream().anyMatch(n -> n.startsWith("crashed-received-")), names.toString());
        }
        String imported = KernelHarness.allText(KernelHarness.outputsOf(nb, 7));
        assertTrue(imported.contains("imported crashed-received") && imported.contains("verified against artifacts/manifest.json"), imported);
        String pm = KernelHarness.allText(KernelHarness.outputsOf(nb, 14));
        assertTrue(pm.contains("Post-mortem of crashed") && pm.contains("failed"), pm);
        assertTrue(pm.contains("1. python_exception: RuntimeError: simulated crash at step 40 (--crash-at-step)"), pm);
        assertFalse(pm.contains("2. thermal") || pm.toLowerCase(java.util.Locale.ROOT).contains("power throttling"), pm);
        String json = KernelHarness.allText(KernelHarness.outputsOf(nb, 18));
        assertTrue(json.contains("\"schema_version\" : \"orbit.postmortem.v1\"") && json.contains("\"kind\" : \"python_exception\""), json);
        assertTrue(KernelHarness.outputs(nb).stream().filter(o -> KernelHarness.text(o, "text/html").contains("<table")).count() >= 4);
        assertEquals(2, count(nb, "image/png"));
    }
}
