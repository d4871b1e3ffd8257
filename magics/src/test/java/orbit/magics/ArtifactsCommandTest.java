package orbit.magics;

import orbit.artifacts.Audit;
import orbit.artifacts.Plot;
import orbit.artifacts.Postmortem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ArtifactsCommandTest {
    @TempDir
    Path root;

    /** A console that records what a command printed, displayed and bound. */
    static final class Recording implements Console {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final PrintWriter o = new PrintWriter(out, true);
        final PrintWriter e = new PrintWriter(err, true);
        final List<Object> displayed = new ArrayList<>();
        final Map<String, Object> bound = new LinkedHashMap<>();

        public PrintWriter out() { return o; }
        public PrintWriter err() { return e; }
        public void display(Object value) { displayed.add(value); o.println(TextForm.of(value)); }
        public Display displayUpdatable(Object initial) { display(initial); return this::display; }
        public void bind(String variable, Object value) { bound.put(variable, value); }
    }

    Path bundle() throws Exception {
        Path b = root.resolve("run1");
        Files.createDirectories(b.resolve("runtime"));
        Path art = Files.createDirectories(b.resolve("artifacts"));
        Files.writeString(b.resolve("runtime/last_run.json"), "{\"state\":\"failed\",\"exit_code\":1,\"ended_at\":\"2025-11-28T18:00:03Z\"}");
        Files.writeString(art.resolve("nvml-audit.jsonl"),
                "{\"ts\":\"2025-11-28T18:00:01.000Z\",\"gpu\":0,\"mem_used_mib\":100,\"mem_total_mib\":1000,\"util_gpu\":5}\n"
                        + "{\"ts\":\"2025-11-28T18:00:02.000Z\",\"gpu\":0,\"mem_used_mib\":995,\"mem_total_mib\":1000,\"util_gpu\":99}\n"
                        + "{\"ts\":\"2025-11-28T18:00:03.000Z\",\"gpu\":0,\"mem_us");
        Files.writeString(art.resolve("training.log"), "step 1\nRuntimeError: CUDA out of memory\n");
        Path ck = Files.createDirectories(art.resolve("checkpoints/v0-1"));
        Files.writeString(ck.resolve("logging.jsonl"), "{\"loss\": 1.0, \"global_step/max_steps\": \"1/2\"}\n{\"eval_loss\": 0.9, \"global_step/max_steps\": \"1/2\"}\n");
        return b;
    }

    int run(Recording c, String... args) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString()));
        a.addAll(List.of(args));
        return Commands.run(c, a);
    }

    @Test
    void auditByBundleNamePrintsCsvWithWarningsOnStderr() throws Exception {
        bundle();
        Recording c = new Recording();
        assertEquals(0, run(c, "artifacts", "audit", "run1", "--csv"), c.err.toString());
        String[] lines = c.out.toString().split("\n");
        assertEquals(3, lines.length, c.out.toString());
        assertTrue(lines[0].startsWith("ts,host,gpu"), lines[0]);
        assertTrue(lines[2].contains("995"));
        assertTrue(c.err.toString().contains("truncated last line 3"), c.err.toString());
    }

    @Test
    void metricsByDirectoryIsDisplayed() throws Exception {
        Path b = bundle();
        Recording c = new Recording();
        assertEquals(0, run(c, "artifacts", "metrics", b.toString()));
        assertEquals(1, c.displayed.size());
        assertTrue(c.out.toString().contains("eval"), c.out.toString());
    }

    @Test
    void postmortemBindsWithAs() throws Exception {
        bundle();
        Recording c = new Recording();
        assertEquals(0, Commands.runMagic(c, "%artifacts postmortem run1 --as pm --root " + root));
        Postmortem p = (Postmortem) c.bound.get("pm");
        assertNotNull(p);
        assertEquals("cuda_oom", p.causes().get(0).kind(), p.toString());
    }

    @Test
    void postmortemAsJsonIsOneObjectOfItsSchema() throws Exception {
        bundle();
        Recording c = new Recording();
        assertEquals(0, run(c, "artifacts", "postmortem", "run1", "--json"), c.err.toString());
        var n = orbit.bundle.Json.MAPPER.readTree(c.out.toString());
        assertEquals("orbit.postmortem.v1", n.get("schema_version").asText());
        assertEquals("failed", n.get("state").asText());
        assertEquals(1, n.get("exit_code").asInt());
        assertTrue(n.get("signal").isNull());
        assertEquals(5, n.get("questions").size());
        assertEquals("cuda_oom", n.get("causes").get(0).get("kind").asText());
        assertEquals("artifacts/training.log", n.get("causes").get(0).get("evidence").get(0).get("file").asText());
        assertEquals(2, n.get("causes").get(0).get("evidence").get(0).get("line").asInt());
        Recording d = new Recording();
        assertEquals(1, run(d, "artifacts", "audit", "run1", "--json"));
        assertTrue(d.err.toString().contains("--json prints a post-mortem"), d.err.toString());
    }

    @Test
    void singleFileAndPlotToPng() throws Exception {
        Path b = bundle();
        Recording c = new Recording();
        assertEquals(0, run(c, "artifacts", "audit", b.resolve("artifacts/nvml-audit.jsonl").toString(), "--as", "a"));
        assertEquals(2, ((Audit) c.bound.get("a")).samples().rowCount());
        Path png = root.resolve("mem.png");
        assertEquals(0, run(c, "artifacts", "plot-memory", "run1", "--png", png.toString()));
        assertNotNull(ImageIO.read(png.toFile()));
        Recording d = new Recording();
        assertEquals(0, run(d, "artifacts", "plot-loss", "run1"));
        assertTrue(d.displayed.get(0) instanceof Plot);
    }

    @Test
    void unknownBundleIsOneErrorLine() {
        Recording c = new Recording();
        assertEquals(1, run(c, "artifacts", "log", "nope"));
        assertTrue(c.err.toString().startsWith("orbit: error: no bundle or file named nope"), c.err.toString());
        assertEquals(1, c.err.toString().strip().lines().count());
        Recording d = new Recording();
        assertEquals(2, run(d, "artifacts", "bogus", "x"));
    }
}
