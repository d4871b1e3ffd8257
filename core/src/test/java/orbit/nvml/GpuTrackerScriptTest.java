package orbit.nvml;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The shell tracker (classpath resource) run by bash against a STAND-IN nvidia-smi printing real-format CSV. */
class GpuTrackerScriptTest {
    @TempDir
    Path dir;

    private Path resource(String name, Path target) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/orbit/nvml/" + name)) {
            assertNotNull(in, name + " is on the classpath");
            Files.copy(in, target);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        return target;
    }

    private Process tracker(Path audit, String mode, String failAfter, String smi) throws IOException {
        Path tracker = resource("gpu-tracker.sh", dir.resolve("gpu-tracker.sh"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        resource("standin-nvidia-smi.sh", bin.resolve("nvidia-smi"));
        ProcessBuilder pb = new ProcessBuilder("bash", tracker.toString(), audit.toString(), "200")
                .redirectErrorStream(true).redirectOutput(dir.resolve("tracker.out").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("STANDIN_SMI_MODE", mode);
        pb.environment().put("STANDIN_SMI_LOG", dir.resolve("smi.log").toString());
        if (failAfter != null) pb.environment().put("STANDIN_SMI_FAIL_AFTER", failAfter);
        if (smi != null) pb.environment().put("ORBIT_NVIDIA_SMI", smi);
        return pb.start();
    }

    private static void awaitLines(Path audit, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (Files.exists(audit) && Files.readAllLines(audit).size() >= n) return;
            Thread.sleep(50);
        }
        fail("audit did not reach " + n + " lines: " + (Files.exists(audit) ? Files.readString(audit) : "no file"));
    }

    private void streamsOneNvidiaSmiIntoTheAuditSchema(String mode, String expectedReasons) throws Exception {
        Path audit = dir.resolve("artifacts/nvml-audit.jsonl");
        Process p = tracker(audit, mode, null, null);
        try {
            awaitLines(audit, 1 + 2 * 4);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        List<JsonNode> lines = RecorderTest.lines(audit);
        JsonNode start = lines.get(0);
        assertEquals("sampler_start", start.get("event").asText());
        assertEquals(200, start.get("interval_ms").asInt());
        assertTrue(start.get("query").asText().contains(expectedReasons + ".active"));
        assertEquals(NvidiaSmiCsv.query(expectedReasons.equals("clocks_event_reasons")), start.get("query").asText(),
                "the script asks for the same fields as the Java parser");
        JsonNode stop = lines.get(lines.size() - 1);
        assertEquals("sampler_stop", stop.get("event").asText(), Files.readString(dir.resolve("tracker.out")));
        assertEquals("SIGTERM", stop.get("reason").asText());

        List<JsonNode> samples = lines.stream().filter(l -> !l.has("event")).toList();
        assertTrue(samples.size() >= 8);
        for (JsonNode s : samples) {
            assertTrue(RecorderTest.SAMPLE_KEYS.stream().allMatch(s::has), "all audit keys in " + s);
            assertEquals("nvidia-smi", s.get("source").asText());
            Instant.parse(s.get("ts").asText()); // UTC ISO-8601
            assertTrue(s.get("ts").asText().matches(".*T\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), s.get("ts").asText());
        }
        JsonNode g0 = samples.stream().filter(s -> s.get("gpu").asInt() == 0).findFirst().orElseThrow();
        assertEquals(90, g0.get("util_gpu").asInt());
        assertEquals(60211, g0.get("mem_used_mib").asInt());
        assertEquals(81559, g0.get("mem_total_mib").asInt());
        assertEquals(612.37, g0.get("power_w").asDouble(), 1e-9);
        assertEquals(3, g0.get("ecc_corrected").asInt());
        assertEquals(0, g0.get("throttle_reasons").asInt());
        assertEquals(0, g0.get("throttle_reason_names").size());
        assertEquals("P0", g0.get("pstate").asText());
        assertEquals("GPU-00000000-aaaa-bbbb-cccc-dddddddddddd", g0.get("uuid").asText());
        assertFalse(g0.has("errors"));

        JsonNode g1 = samples.stream().filter(s -> s.get("gpu").asInt() == 1).findFirst().orElseThrow();
        assertTrue(g1.get("power_w").isNull());
        assertEquals("N/A", g1.get("errors").get("power_w").asText());
        assertTrue(g1.get("ecc_corrected").isNull());
        assertEquals("Not Supported", g1.get("errors").get("ecc_uncorrected").asText());
        assertEquals(0x24, g1.get("throttle_reasons").asInt());
        assertEquals("[\"sw_power_cap\",\"sw_thermal_slowdown\"]", g1.get("throttle_reason_names").toString());

        List<String> calls = Files.readAllLines(dir.resolve("smi.log"));
        assertEquals(1, calls.stream().filter(c -> c.contains("--query-gpu")).count(),
                "one long-lived nvidia-smi, not one per sample: " + calls);
        assertTrue(calls.stream().anyMatch(c -> c.contains("-lms 200")), calls.toString());
    }

    @Test
    void newerNvidiaSmiUsesClockEventReasons() throws Exception {
        streamsOneNvidiaSmiIntoTheAuditSchema("new", "clocks_event_reasons");
    }

    @Test
    void olderNvidiaSmiFallsBackToClockThrottleReasons() throws Exception {
        streamsOneNvidiaSmiIntoTheAuditSchema("old", "clocks_throttle_reasons");
    }

    @Test
    void missingNvidiaSmiIsRecordedAsGpuUnavailable() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        Process p = tracker(audit, "new", null, dir.resolve("nowhere/nvidia-smi").toString());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        List<JsonNode> lines = RecorderTest.lines(audit);
        assertEquals(1, lines.size());
        assertEquals("gpu_unavailable", lines.get(0).get("event").asText());
        assertTrue(lines.get(0).get("reason").asText().contains("nvidia-smi not found"));
    }

    @Test
    void nvidiaSmiFailingMidRunIsRecordedWithItsMessage() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        Process p = tracker(audit, "new", "2", null);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        List<JsonNode> lines = RecorderTest.lines(audit);
        assertEquals(4, lines.stream().filter(l -> !l.has("event")).count(), Files.readString(audit));
        JsonNode unavailable = lines.stream().filter(l -> "gpu_unavailable".equals(l.path("event").asText())).findFirst().orElseThrow();
        assertTrue(unavailable.get("reason").asText().startsWith("nvidia-smi exited with status 15: Unable to determine"),
                unavailable.toString());
        assertEquals("sampler_stop", lines.get(lines.size() - 1).get("event").asText());
    }
}
