package orbit.nvml;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** NVML read through the real JNA path against the STAND-IN libnvidia-ml.so.1 built by the tests. */
class NvmlBindingTest {

    @Test
    void everyFieldIsReadFromTheLibrary() {
        try (Nvml nvml = StandIn.open("""
                driver 535.161.08
                cuda 12020
                gpus 2
                gpu 1 name NVIDIA A100-SXM4-80GB
                gpu 1 uuid GPU-11111111-2222-3333-4444-555555555555
                gpu 1 busid 00000000:C1:00.0
                gpu 1 util 87 43
                gpu 1 mem 85899345920 10737418240 75161927680
                gpu 1 temp 71
                gpu 1 power 312456
                gpu 1 limit 400000
                gpu 1 energy 98765432
                gpu 1 clocks 1410 1395 1593
                gpu 1 reasons 0x24
                gpu 1 ecc 7 1
                gpu 1 pcie 12345 67890
                gpu 1 replay 3
                gpu 1 pstate 2
                gpu 1 proc 4242 2147483648
                gpu 1 proc 4343 1073741824
                """)) {
            assertEquals("535.161.08", nvml.driverVersion());
            assertEquals("12.2", nvml.cudaDriverVersion());
            assertEquals(2, nvml.devices().size());
            NvmlDevice d = nvml.devices().get(1);
            assertEquals(1, d.index());
            assertEquals("NVIDIA A100-SXM4-80GB", d.name());
            assertEquals("GPU-11111111-2222-3333-4444-555555555555", d.uuid());
            assertEquals("00000000:C1:00.0", d.pciBusId());
            GpuSample s = d.read();
            assertEquals(87, s.utilGpu());
            assertEquals(43, s.utilMem());
            assertEquals(81920L, s.memTotalMib());
            assertEquals(10240L, s.memFreeMib());
            assertEquals(71680L, s.memUsedMib());
            assertEquals(71, s.tempC());
            assertEquals(312.456, s.powerW(), 1e-9);
            assertEquals(400.0, s.powerLimitW(), 1e-9);
            assertEquals(98765.432, s.energyJ(), 1e-9);
            assertEquals(1410, s.graphicsClockMhz());
            assertEquals(1395, s.smClockMhz());
            assertEquals(1593, s.memClockMhz());
            assertEquals(0x24L, s.throttleReasons());
            assertEquals(List.of("sw_power_cap", "sw_thermal_slowdown"), s.throttleReasonNames());
            assertEquals(7L, s.eccCorrected());
            assertEquals(1L, s.eccUncorrected());
            assertEquals(12345L, s.pcieTxKbps());
            assertEquals(67890L, s.pcieRxKbps());
            assertEquals(3L, s.pcieReplay());
            assertEquals("P2", s.pstate());
            assertEquals(List.of(new GpuSample.GpuProcess(4242, 2048L), new GpuSample.GpuProcess(4343, 1024L)), s.procs());
            assertEquals("nvml", s.source());
            assertEquals(Map.of(), s.errors());
            // structures are reused: a second read gives the same values, not leftovers
            assertEquals(s, d.read());
        }
    }

    @Test
    void unsupportedFieldsAreNullWithNvmlsErrorKept() {
        try (Nvml nvml = StandIn.open("""
                gpus 1
                gpu 0 unsupported ecc
                gpu 0 unsupported energy
                gpu 0 unsupported procs
                gpu 0 fails power 4
                """)) {
            GpuSample s = nvml.devices().get(0).read();
            assertNull(s.eccCorrected());
            assertNull(s.eccUncorrected());
            assertNull(s.energyJ());
            assertNull(s.procs());
            assertNull(s.powerW());
            assertEquals("Not Supported", s.errors().get("ecc_corrected"));
            assertEquals("Not Supported", s.errors().get("energy_j"));
            assertEquals("Not Supported", s.errors().get("procs"));
            assertEquals("Insufficient Permissions", s.errors().get("power_w"));
            assertNotNull(s.utilGpu(), "the other fields are still read");
            assertNotNull(s.tempC());

            // a NOT_SUPPORTED answer is remembered: the next samples say the same without asking again,
            // while a field that failed otherwise is asked again every time
            NvmlDevice d = nvml.devices().get(0);
            long before = d.calls();
            GpuSample again = d.read();
            long perSample = d.calls() - before;
            assertEquals(s.errors(), again.errors());
            assertNull(again.eccCorrected());
            assertNull(again.procs());
            assertNull(again.powerW());
            GpuSample third = d.read();
            assertEquals(s.errors(), third.errors());
            assertEquals(perSample, d.calls() - before - perSample, "steady state: the same calls every sample");
            // 17 calls on a first sample; not again: 2 ECC counters, energy, processes (refused)
            assertEquals(13, perSample);
        }
    }

    @Test
    void olderDriversFallBackToThrottleReasonsAndMemoryV1() {
        try (Nvml nvml = StandIn.open("""
                gpus 1
                gpu 0 reasons 0x4
                gpu 0 fails event_reasons 13
                gpu 0 fails mem_v2 13
                gpu 0 mem 1048576000 524288000 524288000
                """)) {
            GpuSample s = nvml.devices().get(0).read();
            assertEquals(0x4L, s.throttleReasons());
            assertEquals(List.of("sw_power_cap"), s.throttleReasonNames());
            assertEquals(1000L, s.memTotalMib());
            assertEquals(500L, s.memUsedMib());
            assertFalse(s.errors().containsKey("throttle_reasons"), s.errors().toString());
        }
    }

    @Test
    void aLostGpuIsReportedOnceWhileTheOthersKeepSampling() {
        try (NvmlSampler sampler = new NvmlSampler(StandIn.open("""
                gpus 3
                gpu 1 lost_after 2
                """))) {
            List<GpuEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            sampler.onEvent(events::add);
            assertEquals(3, sampler.sample().gpus().size());
            assertEquals(3, sampler.sample().gpus().size());
            GpuSnapshot third = sampler.sample();
            assertEquals(List.of(0, 2), third.gpus().stream().map(GpuSample::gpu).toList());
            GpuSnapshot fourth = sampler.sample();
            assertEquals(List.of(0, 2), fourth.gpus().stream().map(GpuSample::gpu).toList());
            List<GpuEvent> lost = events.stream().filter(e -> e.event().equals(GpuEvent.GPU_LOST)).toList();
            assertEquals(1, lost.size(), events.toString());
            assertEquals(1, lost.get(0).gpu());
            assertTrue(lost.get(0).reason().contains("GPU is lost"));
        }
    }

    @Test
    void initFailureSaysNoDriverWasFound() {
        StandInNvml.script(StandIn.library(), "init_error 9\n");
        NvmlProbe probe = Nvml.open(StandIn.library().toString());
        NvmlProbe.NotFound nf = assertInstanceOf(NvmlProbe.NotFound.class, probe);
        assertTrue(nf.reason().startsWith("no NVIDIA driver found: nvmlInit failed: Driver Not Loaded"), nf.reason());
        assertFalse(nf.reason().contains("\n"));
    }

    @Test
    void aMissingLibrarySaysNoDriverWasFound() {
        NvmlProbe probe = Nvml.open("/nonexistent-orbit-test/libnvidia-ml.so.1");
        NvmlProbe.NotFound nf = assertInstanceOf(NvmlProbe.NotFound.class, probe);
        assertTrue(nf.reason().startsWith("no NVIDIA driver found: /nonexistent-orbit-test/libnvidia-ml.so.1 could not be loaded"), nf.reason());
        assertTrue(nf.reason().contains(Nvml.LIBRARY_ENV));
    }
}
