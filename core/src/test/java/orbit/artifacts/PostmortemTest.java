package orbit.artifacts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import tech.tablesaw.api.Table;

import static org.junit.jupiter.api.Assertions.*;

class PostmortemTest {
    @TempDir
    Path dir;

    static final Instant START = Instant.parse("2025-11-28T18:00:00Z");

    /** A bundle with 2 GPUs sampled every second for {@code seconds}; {@code memAt} gives GPU 0's memory. */
    Path bundle(String name, String state, Integer exit, int seconds, java.util.function.IntUnaryOperator memAt,
                long throttle, String extraAuditLines) throws Exception {
        Path b = dir.resolve(name);
        Files.createDirectories(b.resolve("runtime"));
        Path art = Files.createDirectories(b.resolve("artifacts"));
        Instant end = START.plusSeconds(seconds);
        Files.writeString(b.resolve("runtime/last_run.json"), "{\"schema_version\":\"orbit.run.v1\",\"run_id\":\"r1\",\"target\":\"ssh\",\"state\":\"" + state
                + "\",\"host\":\"gpu-box\",\"started_at\":\"" + START + "\",\"ended_at\":" + (state.equals("running") || state.equals("lost") ? "null" : "\"" + end + "\"")
                + ",\"exit_code\":" + exit + ",\"last_heartbeat\":\"" + end.minusSeconds(2) + "\"}");
        Files.writeString(b.resolve("runtime/heartbeat"), end.minusSeconds(2).toString());
        StringBuilder audit = new StringBuilder();
        for (int s = 0; s < seconds; s++) {
            String ts = START.plusSeconds(s).toString().replace("Z", ".000Z");
            for (int g = 0; g < 2; g++) {
                int mem = g == 0 ? memAt.applyAsInt(s) : 20000;
                audit.append("{\"ts\":\"").append(ts).append("\",\"host\":\"gpu-box\",\"gpu\":").append(g)
                        .append(",\"util_gpu\":90,\"mem_used_mib\":").append(mem).append(",\"mem_total_mib\":81559,\"temp_c\":")
                        .append(throttle != 0 ? 91 : 70).append(",\"throttle_reasons\":").append(throttle)
                        .append(",\"ecc_uncorrected\":0,\"source\":\"simulated\"}\n");
            }
        }
        audit.append(extraAuditLines);
        Files.writeString(art.resolve("nvml-audit.jsonl"), audit);
        List<String> log = new ArrayList<>();
        for (int i = 1; i <= 30; i++) log.add("2025-11-28 18:00:" + String.format("%02d", i) + ",000 - INFO - step " + i);
        Files.writeString(art.resolve("training.log"), String.join("\n", log) + "\n");
        Path ck = Files.createDirectories(art.resolve("checkpoints/v0-20261128-180000"));
        Files.writeString(ck.resolve("logging.jsonl"), "{\"loss\": 2.0, \"global_step/max_steps\": \"10/438\"}\n{\"loss\": 1.5, \"global_step/max_steps\": \"120/438\"}\n{\"eval_loss\": 1.6, \"global_step/max_steps\": \"120/438\"}\n");
        return b;
    }

    static boolean has(Postmortem p, String title) {
        return p.causes().stream().anyMatch(c -> c.title().contains(title));
    }

    @Test
    void memoryAtTheLimitJustBeforeAFailureIsAProbableOom() throws Exception {
        Path b = bundle("oom", "failed", 1, 300, s -> s < 280 ? 60000 : 81000, 0, "");
        Files.writeString(b.resolve("artifacts/training.log"), "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\n",
                java.nio.file.StandardOpenOption.APPEND);
        Postmortem p = Artifacts.of(b).postmortem();
        assertTrue(has(p, "probable out-of-memory"), p.toString());
        Postmortem.Cause c = p.causes().stream().filter(x -> x.title().contains("out-of-memory")).findFirst().orElseThrow();
        assertTrue(c.evidence().contains("GPU 0 at 81000 of 81559 MiB"), c.evidence());
        assertTrue(c.evidence().contains("CUDA out of memory"), c.evidence());
        assertFalse(c.evidence().contains("GPU 1"), "GPU 1 was far from its limit");
        assertEquals(120, p.lastStep());
        assertEquals(438, p.maxSteps());
        assertEquals(1.5, p.lastLoss());
        assertEquals(1.6, p.lastEvalLoss());
        assertEquals(81000, p.gpuPeaks().intColumn("peak_mib").get(0));
        assertEquals(START.plusSeconds(280), p.gpuPeaks().instantColumn("peak_at").get(0));
        assertEquals(20, p.lastLogLines().size());
        assertEquals(2 * 60, p.lastMinute().rowCount(), "two GPUs, one sample a second, 60 s");
        String html = p.mimeBundle().get("text/html");
        assertTrue(html.contains("probable out-of-memory") && html.contains("<table>") && html.contains("CUDA out of memory"));
        assertTrue(p.headline().contains("failed, exit 1, step 120/438"));
    }

    @Test
    void memoryHighButRunSucceededIsNoOom() throws Exception {
        Path b = bundle("fine", "succeeded", 0, 120, s -> 81000, 0, "");
        Postmortem p = Artifacts.of(b).postmortem();
        assertFalse(has(p, "out-of-memory"), p.toString());
    }

    @Test
    void xidEventIsACause() throws Exception {
        String xid = "{\"ts\":\"2025-11-28T18:01:59.000Z\",\"host\":\"gpu-box\",\"event\":\"xid\",\"gpu\":1,\"xid\":79,\"reason\":\"GPU has fallen off the bus\"}\n";
        Path b = bundle("xid", "failed", 1, 120, s -> 30000, 0, xid);
        Postmortem p = Artifacts.of(b).postmortem();
        assertTrue(has(p, "XID"), p.toString());
        assertTrue(p.causes().stream().anyMatch(c -> c.evidence().contains("xid=79") && c.evidence().contains("gpu=1")), p.toString());
        assertEquals(1, p.gpuEvents().rowCount());
        assertFalse(has(p, "out-of-memory"));
    }

    @Test
    void thermalThrottlingIsACause() throws Exception {
        Path b = bundle("hot", "failed", 1, 100, s -> 30000, Postmortem.HW_THERMAL, "");
        Postmortem p = Artifacts.of(b).postmortem();
        assertTrue(has(p, "thermal throttling"), p.toString());
        assertTrue(p.throttling().get(0).contains("max 91 C"), p.throttling().toString());
    }

    @Test
    void stoppedHeartbeatMeansHostLost() throws Exception {
        Path b = bundle("lost", "running", null, 60, s -> 30000, 0, "");
        // the last sign of life is hours ago while the state still says running
        Postmortem p = Artifacts.of(b).postmortem();
        assertTrue(has(p, "host lost"), p.toString());
        Path l = bundle("lost2", "lost", null, 60, s -> 30000, 0, "");
        assertTrue(has(Artifacts.of(l).postmortem(), "host lost"));
        Path ok = bundle("ok", "succeeded", 0, 60, s -> 30000, 0, "");
        assertFalse(has(Artifacts.of(ok).postmortem(), "host lost"));
    }

    @Test
    void precheckFailureIsACause() throws Exception {
        Path b = bundle("pre", "precheck_failed", 3, 10, s -> 1000, 0, "");
        Files.writeString(b.resolve("artifacts/precheck.json"), "{\"schema_version\":\"orbit.precheck.v1\",\"ok\":false,\"deps\":[{\"name\":\"swift\",\"ok\":true,\"version\":\"3.8.0\"}],"
                + "\"fork\":{\"module\":\"swift\",\"ok\":false,\"mismatches\":[\"swift/llm/train.py sha256 differs\"]}}");
        Postmortem p = Artifacts.of(b).postmortem();
        assertTrue(has(p, "precheck failure"), p.toString());
        assertTrue(p.causes().get(0).evidence().contains("train.py sha256 differs"));
    }

    @Test
    void aBundleWithNothingButRuntimeStillGivesAPostmortem() throws Exception {
        Path b = Files.createDirectories(dir.resolve("bare/runtime"));
        Files.writeString(b.resolve("last_run.json"), "{\"state\":\"failed\",\"exit_code\":137}");
        Postmortem p = Artifacts.of(dir.resolve("bare")).postmortem();
        assertEquals("failed", p.run().state());
        assertFalse(p.notes().isEmpty());
        assertNotNull(p.mimeBundle().get("text/html"));
    }

    @Test
    void plotsArePngsThatDecode() throws Exception {
        Path b = bundle("plot", "failed", 1, 3000, s -> 20000 + s * 10, 0, "");
        Artifacts a = Artifacts.of(b);
        for (Plot plot : List.of(a.plotGpuMemory(), a.plotUtilization(), a.plotLoss())) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(plot.png()));
            assertNotNull(img, plot.title());
            assertEquals(Plots.WIDTH, img.getWidth());
            byte[] again = Base64.getDecoder().decode(plot.mimeBundle().get("image/png"));
            assertArrayEquals(plot.png(), again);
        }
        Path out = a.plotGpuMemory().write(dir.resolve("out/mem.png"));
        assertNotNull(ImageIO.read(out.toFile()));
    }

    @Test
    void plotsOfSimulatedSamplesSaySo() {
        Table samples = Table.create("nvml-audit", tech.tablesaw.api.InstantColumn.create("ts"), tech.tablesaw.api.IntColumn.create("gpu"),
                tech.tablesaw.api.DoubleColumn.create("mem_used_mib"), tech.tablesaw.api.DoubleColumn.create("mem_total_mib"),
                tech.tablesaw.api.DoubleColumn.create("util_gpu"), tech.tablesaw.api.StringColumn.create("source"));
        for (int i = 0; i < 3; i++) {
            samples.instantColumn("ts").append(java.time.Instant.ofEpochSecond(1_000 + i));
            samples.intColumn("gpu").append(0);
            samples.doubleColumn("mem_used_mib").append(100.0 * i);
            samples.doubleColumn("mem_total_mib").append(1000.0);
            samples.doubleColumn("util_gpu").append(50.0);
            samples.stringColumn("source").append("simulated");
        }
        assertEquals("run: GPU memory (SIMULATED GPUs)", Plots.gpuMemory(samples, "run").title());
        assertEquals("run: GPU utilization (SIMULATED GPUs)", Plots.utilization(samples, "run").title());
        samples.stringColumn("source").set(samples.stringColumn("source").isEqualTo("simulated"), "nvml");
        assertEquals("run: GPU memory", Plots.gpuMemory(samples, "run").title(), "measured samples carry no label");
    }

    @Test
    void thinningKeepsPeaksAndBoundsPoints() {
        int n = 86400;
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i == 50000 ? 1e6 : 10;
        }
        double[][] t = Plots.thin(x, y, 960);
        assertTrue(t[0].length <= 2 * 960 + 2, "thinned to about the image width");
        assertTrue(java.util.Arrays.stream(t[1]).anyMatch(v -> v == 1e6), "a one-sample spike survives");
    }
}
