package orbit.nvml;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.artifacts.Audit;
import orbit.artifacts.AuditLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A driver without NVML's optional calls: a STAND-IN library built to export only the required calls (init, count,
 * handle, name, UUID) plus memory and utilization. It binds; every other field is null and sampler_start lists the
 * calls it lacks. In its own JVM: JNA binds one NVML library per process, and the other tests bind the full stand-in.
 */
class OldDriverTest {
    @TempDir
    Path dir;

    @Test
    void aLibraryWithOnlyTheRequiredCallsPlusMemoryAndUtilizationRecordsThoseAndNullsTheRest() throws Exception {
        Path lib = StandInNvml.build(StandInNvml.locateSource(), dir.resolve("minimal"), true);
        StandInNvml.script(lib, "gpus 2\n");
        Path audit = dir.resolve("nvml-audit.jsonl");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "orbit.nvml.RecorderMain", "--out", audit.toString(),
                "--interval", "100ms", "--count", "2"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("recorder.out").toFile());
        pb.environment().put(Nvml.LIBRARY_ENV, lib.toString());
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the recorder stops after 2 samples");
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(dir.resolve("recorder.out"));
        assertEquals(0, p.exitValue(), out);

        List<JsonNode> lines = RecorderTest.lines(audit);
        JsonNode start = lines.get(0);
        assertEquals("sampler_start", start.get("event").asText(), out);
        assertEquals("nvml", start.get("source").asText());
        Set<String> missing = new TreeSet<>();
        start.get("missing_calls").forEach(c -> missing.add(c.asText()));
        assertEquals(new TreeSet<>(List.of("nvmlShutdown", "nvmlErrorString", "nvmlSystemGetDriverVersion",
                "nvmlSystemGetCudaDriverVersion", "nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetMemoryInfo_v2",
                "nvmlDeviceGetTemperature", "nvmlDeviceGetPowerUsage", "nvmlDeviceGetEnforcedPowerLimit",
                "nvmlDeviceGetTotalEnergyConsumption", "nvmlDeviceGetClockInfo", "nvmlDeviceGetCurrentClocksEventReasons",
                "nvmlDeviceGetCurrentClocksThrottleReasons", "nvmlDeviceGetTotalEccErrors", "nvmlDeviceGetPcieThroughput",
                "nvmlDeviceGetPcieReplayCounter", "nvmlDeviceGetPerformanceState", "nvmlDeviceGetComputeRunningProcesses_v2",
                "nvmlDeviceGetComputeRunningProcesses", "nvmlEventSetCreate", "nvmlDeviceRegisterEvents",
                "nvmlEventSetWait_v2", "nvmlEventSetFree")), missing);
        assertTrue(start.get("driver_version").isNull());
        assertTrue(start.get("cuda_driver_version").isNull());

        List<JsonNode> samples = lines.stream().filter(l -> !l.has("event")).toList();
        assertEquals(4, samples.size(), out);
        for (JsonNode s : samples) {
            int gpu = s.get("gpu").asInt();
            assertEquals("Stand-in H100 80GB HBM3", s.get("name").asText());
            assertEquals(String.format("GPU-5a0d1e00-0000-4000-8000-%012d", gpu), s.get("uuid").asText());
            assertEquals(50 + gpu, s.get("util_gpu").asInt());
            assertEquals(20 + gpu, s.get("util_mem").asInt());
            assertEquals(81559, s.get("mem_total_mib").asInt());
            assertEquals(1024 * (10 + gpu), s.get("mem_used_mib").asInt());
            for (String field : List.of("pci_bus_id", "temp_c", "power_w", "power_limit_w", "energy_j", "sm_clock_mhz",
                    "mem_clock_mhz", "graphics_clock_mhz", "throttle_reasons", "throttle_reason_names", "ecc_corrected",
                    "ecc_uncorrected", "pcie_tx_kbps", "pcie_rx_kbps", "pcie_replay", "pstate", "procs")) {
                assertTrue(s.get(field).isNull(), field + " of " + s);
            }
            assertFalse(s.has("errors"), "a call the library lacks is said once, in sampler_start: " + s);
        }
        Audit a = AuditLoader.load(audit);
        assertTrue(a.report().clean(), a.report().summary());
        assertEquals(4, a.samples().rowCount());
    }
}
