package orbit.nvml;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NvidiaSmiCsvTest {
    @Test
    void aRealFormatRowWithNotAvailableAndNotSupportedBecomesNulls() {
        GpuSample s = NvidiaSmiCsv.parse("2026/11/28 18:01:02.123, 3, GPU-abc, NVIDIA H100 80GB HBM3, 00000000:1B:00.0, 97, 41, "
                + "60211, 81559, 21348, 66, [N/A], 700.00, 1980, 2619, 1980, 0x0000000000000044, [Not Supported], [Not Supported], P0");
        assertEquals(3, s.gpu());
        assertEquals("GPU-abc", s.uuid());
        assertEquals(97, s.utilGpu());
        assertEquals(60211L, s.memUsedMib());
        assertNull(s.powerW());
        assertEquals("N/A", s.errors().get("power_w"));
        assertEquals(700.0, s.powerLimitW());
        assertEquals(0x44L, s.throttleReasons());
        assertEquals(List.of("sw_power_cap", "hw_thermal_slowdown"), s.throttleReasonNames());
        assertNull(s.eccCorrected());
        assertEquals("Not Supported", s.errors().get("ecc_uncorrected"));
        assertEquals("P0", s.pstate());
        assertEquals("nvidia-smi", s.source());
    }

    @Test
    void theQueryUsesTheReasonNamesThisNvidiaSmiKnows() {
        assertTrue(NvidiaSmiCsv.query(true).contains("clocks_event_reasons.active"));
        assertTrue(NvidiaSmiCsv.query(false).contains("clocks_throttle_reasons.active"));
        assertFalse(NvidiaSmiCsv.supportsEventReasons("\"clocks_throttle_reasons.active\"\n"));
    }

    @Test
    void simulatedSamplesSayTheyAreSimulated() {
        try (SimulatedSampler s = new SimulatedSampler(3)) {
            GpuSnapshot snap = s.sample();
            assertEquals(3, snap.gpus().size());
            assertTrue(snap.gpus().stream().allMatch(g -> g.source().equals("simulated") && g.name().startsWith("simulated")));
            assertTrue(snap.gpus().stream().allMatch(g -> g.memUsedMib() < g.memTotalMib() && g.utilGpu() <= 100));
        }
    }

    @Test
    void intervalsParseAndTheMinimumIsEnforced() {
        assertEquals(1000, Interval.parse("1s").toMillis());
        assertEquals(250, Interval.parse("0.25s").toMillis());
        assertEquals(100, Interval.parse("100ms").toMillis());
        assertEquals(2000, Interval.parse("2").toMillis());
        assertThrows(orbit.OrbitException.class, () -> Interval.parse("50ms"));
        assertThrows(orbit.OrbitException.class, () -> Interval.parse("soon"));
    }
}
