package orbit.nvml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The recorder writing orbit.nvml_audit.v1 through the real JNA path (STAND-IN NVML) and as a process. */
class RecorderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Keys every sample line has (errors only where a field failed). */
    static final Set<String> SAMPLE_KEYS = Set.copyOf(AuditSchema.names().subList(0, AuditSchema.names().size() - 1));

    @TempDir
    Path dir;

    static List<JsonNode> lines(Path audit) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(audit)) out.add(JSON.readTree(l));
        return out;
    }

    @Test
    void writesNSamplesPerGpuAtTheIntervalWithinTwentyPercent() throws Exception {
        Path audit = dir.resolve("artifacts/nvml-audit.jsonl");
        NvmlSampler sampler = new NvmlSampler(StandIn.open("gpus 2\ngpu 1 unsupported ecc\n"));
        Duration interval = Duration.ofMillis(200);
        int n = 8;
        new Recorder(sampler, AuditWriter.open(audit, "box"), interval).recordSamples(n, null);

        List<JsonNode> lines = lines(audit);
        assertEquals("sampler_start", lines.get(0).get("event").asText());
        assertEquals("orbit.nvml_audit.v1", lines.get(0).get("schema_version").asText());
        assertEquals("550.54.15", lines.get(0).get("driver_version").asText());
        assertEquals(200, lines.get(0).get("interval_ms").asInt());
        assertEquals("sampler_stop", lines.get(lines.size() - 1).get("event").asText());
        List<JsonNode> samples = lines.stream().filter(l -> !l.has("event")).toList();
        assertEquals(2 * n, samples.size());
        for (JsonNode s : samples) {
            Set<String> keys = new TreeSet<>();
            for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) keys.add(it.next());
            assertTrue(keys.containsAll(SAMPLE_KEYS), "missing " + new TreeSet<>(SAMPLE_KEYS).removeAll(keys) + " in " + s);
            assertEquals("nvml", s.get("source").asText());
            assertEquals("box", s.get("host").asText());
            assertTrue(s.get("ts").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), s.get("ts").asText());
        }
        JsonNode gpu1 = samples.stream().filter(s -> s.get("gpu").asInt() == 1).findFirst().orElseThrow();
        assertTrue(gpu1.get("ecc_corrected").isNull(), "unsupported is an explicit null");
        assertEquals("Not Supported", gpu1.get("errors").get("ecc_corrected").asText());

        List<Instant> ticks = samples.stream().filter(s -> s.get("gpu").asInt() == 0)
                .map(s -> Instant.parse(s.get("ts").asText())).toList();
        assertEquals(n, ticks.size());
        // Fixed-rate: sample i lands at start + i x 200 ms, ±20%. A busy machine (a GC pause, a loaded CI core) may
        // delay one sample; the schedule must absorb it, so the samples after it are back on their slots.
        int offSlot = 0;
        for (int i = 1; i < ticks.size(); i++) {
            long drift = Duration.between(ticks.get(0), ticks.get(i)).toMillis() - 200L * i;
            assertTrue(drift > -40 && drift < 200, "sample " + i + " is " + drift + " ms off its slot: " + ticks);
            if (Math.abs(drift) > 40) offSlot++;
        }
        assertTrue(offSlot <= 1, offSlot + " samples off their 200 ms ±20% slots: " + ticks);
    }

    @Test
    void xidEventsAppearInTheAuditAsTheyHappen() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        NvmlSampler sampler = new NvmlSampler(StandIn.open("gpus 4\ngpu 2 xid 79 150\n"));
        new Recorder(sampler, AuditWriter.open(audit, "box"), Duration.ofMillis(100)).recordSamples(6, null);
        List<JsonNode> xids = lines(audit).stream().filter(l -> "xid".equals(l.path("event").asText())).toList();
        assertEquals(1, xids.size(), Files.readString(audit));
        assertEquals(2, xids.get(0).get("gpu").asInt());
        assertEquals(79, xids.get(0).get("xid").asInt());
        assertEquals("GPU-5a0d1e00-0000-4000-8000-000000000002", xids.get(0).get("uuid").asText());
        assertTrue(lines(audit).get(0).get("xid_events").asText().startsWith("4 of 4"));
    }

    @Test
    void aLostGpuIsAnEventLineAndTheOthersKeepTheirLines() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        NvmlSampler sampler = new NvmlSampler(StandIn.open("gpus 2\ngpu 0 lost_after 1\n"));
        new Recorder(sampler, AuditWriter.open(audit, "box"), Duration.ofMillis(100)).recordSamples(4, null);
        List<JsonNode> lines = lines(audit);
        assertEquals(1, lines.stream().filter(l -> "gpu_lost".equals(l.path("event").asText()) && l.get("gpu").asInt() == 0).count());
        assertEquals(1, lines.stream().filter(l -> !l.has("event") && l.get("gpu").asInt() == 0).count());
        assertEquals(4, lines.stream().filter(l -> !l.has("event") && l.get("gpu").asInt() == 1).count());
    }

    @Test
    void appendsToAnExistingAuditInsteadOfOverwritingIt() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        Files.writeString(audit, "{\"event\":\"sampler_stop\",\"ts\":\"2026-01-01T00:00:00.000Z\"}\n");
        new Recorder(new SimulatedSampler(1), AuditWriter.open(audit, "box"), Duration.ofMillis(100)).recordSamples(2, null);
        List<JsonNode> lines = lines(audit);
        assertEquals("2026-01-01T00:00:00.000Z", lines.get(0).get("ts").asText());
        assertEquals(1 + 1 + 2 + 1, lines.size());
    }

    private Process recorderProcess(Path audit, List<String> extra, String library) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "orbit.nvml.RecorderMain", "--out", audit.toString()));
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("recorder.out").toFile());
        pb.environment().put(Nvml.LIBRARY_ENV, library);
        return pb.start();
    }

    private static void awaitLines(Path audit, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(audit) && Files.readAllLines(audit).size() >= n) return;
            Thread.sleep(50);
        }
        fail("audit did not reach " + n + " lines");
    }

    @Test
    void recorderProcessStopsOnSigtermWithSamplerStop() throws Exception {
        Path lib = StandIn.library();
        StandInNvml.script(lib, "gpus 2\n");
        Path audit = dir.resolve("nvml-audit.jsonl");
        Process p = recorderProcess(audit, List.of("--interval", "100ms"), lib.toString());
        try {
            awaitLines(audit, 1 + 2 * 3);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        List<JsonNode> lines = lines(audit);
        assertEquals("nvml", lines.get(0).get("source").asText());
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("sampler_stop", last.get("event").asText(), Files.readString(dir.resolve("recorder.out")));
        assertEquals("SIGTERM", last.get("reason").asText());
        assertTrue(last.get("samples").asInt() >= 3);
    }

    @Test
    void withoutADriverItRecordsSimulatedSamplesAndSaysWhy() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        Process p = recorderProcess(audit, List.of("--interval", "100ms", "--simulate-if-no-gpu", "2", "--count", "3"),
                dir.resolve("no-such-dir/libnvidia-ml.so.1").toString());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("recorder.out")));
        List<JsonNode> lines = lines(audit);
        JsonNode start = lines.get(0);
        assertEquals("sampler_start", start.get("event").asText());
        assertEquals("simulated", start.get("source").asText());
        assertTrue(start.get("simulated_because").asText().startsWith("no NVIDIA driver found"), start.toString());
        List<JsonNode> samples = lines.stream().filter(l -> !l.has("event")).toList();
        assertEquals(6, samples.size());
        assertTrue(samples.stream().allMatch(s -> s.get("source").asText().equals("simulated")));
    }

    @Test
    void withoutADriverAndWithoutSimulateItFailsWithOneLine() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        Process p = recorderProcess(audit, List.of(), dir.resolve("none/libnvidia-ml.so.1").toString());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        String out = Files.readString(dir.resolve("recorder.out")).strip();
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.startsWith("orbit nvml record: error: no NVIDIA driver found"), out);
    }
}
