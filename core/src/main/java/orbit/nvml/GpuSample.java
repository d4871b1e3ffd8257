package orbit.nvml;

import java.util.List;
import java.util.Map;

/**
 * One GPU at one instant, as one line of the audit (orbit.nvml_audit.v1) shows it. A field the device
 * or the source does not report is null; {@code errors} keeps why (field → NVML's error string).
 *
 * @param gpu              device index
 * @param pstate           performance state as nvidia-smi prints it ("P0".."P15")
 * @param throttleReasons  clock event (throttle) reasons bitmask, decoded in {@code throttleReasonNames}
 * @param source           "nvml", "nvidia-smi" or "simulated"
 */
public record GpuSample(
        int gpu, String uuid, String name, String pciBusId,
        Integer utilGpu, Integer utilMem,
        Long memUsedMib, Long memTotalMib, Long memFreeMib,
        Integer tempC, Double powerW, Double powerLimitW, Double energyJ,
        Integer smClockMhz, Integer memClockMhz, Integer graphicsClockMhz,
        Long throttleReasons, List<String> throttleReasonNames,
        Long eccCorrected, Long eccUncorrected,
        Long pcieTxKbps, Long pcieRxKbps, Long pcieReplay,
        String pstate, List<GpuProcess> procs,
        String source, Map<String, String> errors) {

    public GpuSample {
        errors = errors == null ? Map.of() : errors;
    }

    /** A process holding a compute context on the GPU; {@code memMib} null where the driver hides it. */
    public record GpuProcess(long pid, Long memMib) {}
}
