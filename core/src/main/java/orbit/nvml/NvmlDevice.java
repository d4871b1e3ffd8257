package orbit.nvml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One GPU as NVML sees it. Identity (uuid, name, PCI bus id) is read once; {@link #read()} reads every
 * changing field into out-parameter arrays owned by this object and reused on every call — allocating
 * them per call would cost several times the native calls themselves.
 */
public final class NvmlDevice {
    private static final int MIB_SHIFT = 20;

    private final Nvml nvml;
    private final int index;
    private final long handle;
    private final String uuid;
    private final String name;
    private final String pciBusId;

    private final int[] i1 = new int[1];
    private final int[] i2 = new int[2];
    private final long[] l1 = new long[1];
    private final long[] mem = new long[5];
    private long[] procs = new long[3 * 16];
    private boolean useMemoryV2;
    private boolean useEventReasons;
    private boolean lost;

    // errors of the read in progress; allocated only when a field fails
    private Map<String, String> errors;

    NvmlDevice(Nvml nvml, int index, long handle) {
        this.nvml = nvml;
        this.index = index;
        this.handle = handle;
        byte[] text = new byte[96];
        this.uuid = NvmlNative.nvmlDeviceGetUUID(handle, text, text.length) == NvmlNative.SUCCESS ? Nvml.cString(text) : null;
        text = new byte[96];
        this.name = NvmlNative.nvmlDeviceGetName(handle, text, text.length) == NvmlNative.SUCCESS ? Nvml.cString(text) : null;
        byte[] pci = new byte[68];
        this.pciBusId = NvmlNative.nvmlDeviceGetPciInfo_v3(handle, pci) == NvmlNative.SUCCESS
                ? Nvml.cString(java.util.Arrays.copyOfRange(pci, 36, 68)) : null;
        NvmlNative.Capabilities caps = nvml.capabilities();
        this.useMemoryV2 = caps.memoryV2();
        this.useEventReasons = caps.eventReasons();
    }

    public int index() {
        return index;
    }

    public String uuid() {
        return uuid;
    }

    public String name() {
        return name;
    }

    public String pciBusId() {
        return pciBusId;
    }

    long handle() {
        return handle;
    }

    /** True once any call answered NVML_ERROR_GPU_IS_LOST. */
    public boolean lost() {
        return lost;
    }

    /** Reads every changing field; a field the device refuses is null with NVML's error string kept. */
    public GpuSample read() {
        errors = null;
        Integer utilGpu = null, utilMem = null;
        int r = NvmlNative.nvmlDeviceGetUtilizationRates(handle, i2);
        if (ok(r, "util_gpu")) {
            utilGpu = i2[0];
            utilMem = i2[1];
        }
        Long memTotal = null, memFree = null, memUsed = null;
        if (useMemoryV2) {
            mem[0] = NvmlNative.MEMORY_V2_VERSION;
            r = NvmlNative.MemoryV2.nvmlDeviceGetMemoryInfo_v2(handle, mem);
            if (r == NvmlNative.SUCCESS) {
                memTotal = mem[1] >>> MIB_SHIFT;
                memFree = mem[3] >>> MIB_SHIFT;
                memUsed = mem[4] >>> MIB_SHIFT;
            } else if (r == NvmlNative.ERROR_FUNCTION_NOT_FOUND || r == NvmlNative.ERROR_ARGUMENT_VERSION_MISMATCH
                    || r == NvmlNative.ERROR_NOT_SUPPORTED) {
                useMemoryV2 = false; // this driver or device only answers the v1 call
            } else {
                ok(r, "mem_used_mib");
            }
        }
        if (!useMemoryV2) {
            r = NvmlNative.nvmlDeviceGetMemoryInfo(handle, mem);
            if (ok(r, "mem_used_mib")) {
                memTotal = mem[0] >>> MIB_SHIFT;
                memFree = mem[1] >>> MIB_SHIFT;
                memUsed = mem[2] >>> MIB_SHIFT;
            }
        }
        Integer temp = intField(NvmlNative.nvmlDeviceGetTemperature(handle, NvmlNative.TEMPERATURE_GPU, i1), "temp_c");
        Double power = null, limit = null, energy = null;
        r = NvmlNative.nvmlDeviceGetPowerUsage(handle, i1);
        if (ok(r, "power_w")) power = (i1[0] & 0xFFFFFFFFL) / 1000.0;
        r = NvmlNative.nvmlDeviceGetEnforcedPowerLimit(handle, i1);
        if (ok(r, "power_limit_w")) limit = (i1[0] & 0xFFFFFFFFL) / 1000.0;
        r = NvmlNative.nvmlDeviceGetTotalEnergyConsumption(handle, l1);
        if (ok(r, "energy_j")) energy = l1[0] / 1000.0;
        Integer sm = intField(NvmlNative.nvmlDeviceGetClockInfo(handle, NvmlNative.CLOCK_SM, i1), "sm_clock_mhz");
        Integer memClock = intField(NvmlNative.nvmlDeviceGetClockInfo(handle, NvmlNative.CLOCK_MEM, i1), "mem_clock_mhz");
        Integer graphics = intField(NvmlNative.nvmlDeviceGetClockInfo(handle, NvmlNative.CLOCK_GRAPHICS, i1), "graphics_clock_mhz");
        Long reasons = readReasons();
        Long eccCorrected = longField(NvmlNative.nvmlDeviceGetTotalEccErrors(handle, NvmlNative.MEMORY_ERROR_CORRECTED,
                NvmlNative.ECC_COUNTER_VOLATILE, l1), "ecc_corrected");
        Long eccUncorrected = longField(NvmlNative.nvmlDeviceGetTotalEccErrors(handle, NvmlNative.MEMORY_ERROR_UNCORRECTED,
                NvmlNative.ECC_COUNTER_VOLATILE, l1), "ecc_uncorrected");
        Long tx = null, rx = null, replay = null;
        r = NvmlNative.nvmlDeviceGetPcieThroughput(handle, NvmlNative.PCIE_TX_BYTES, i1);
        if (ok(r, "pcie_tx_kbps")) tx = i1[0] & 0xFFFFFFFFL;
        r = NvmlNative.nvmlDeviceGetPcieThroughput(handle, NvmlNative.PCIE_RX_BYTES, i1);
        if (ok(r, "pcie_rx_kbps")) rx = i1[0] & 0xFFFFFFFFL;
        r = NvmlNative.nvmlDeviceGetPcieReplayCounter(handle, i1);
        if (ok(r, "pcie_replay")) replay = i1[0] & 0xFFFFFFFFL;
        String pstate = null;
        r = NvmlNative.nvmlDeviceGetPerformanceState(handle, i1);
        if (ok(r, "pstate")) {
            if (i1[0] >= 0 && i1[0] <= 15) pstate = PSTATES[i1[0]];
            else error("pstate", "Unknown performance state " + i1[0]);
        }
        List<GpuSample.GpuProcess> processes = readProcesses();
        return new GpuSample(index, uuid, name, pciBusId, utilGpu, utilMem, memUsed, memTotal, memFree, temp, power, limit,
                energy, sm, memClock, graphics, reasons, ClockReasons.names(reasons), eccCorrected, eccUncorrected,
                tx, rx, replay, pstate, processes, "nvml", errors);
    }

    private static final String[] PSTATES = new String[16];

    static {
        for (int i = 0; i < 16; i++) PSTATES[i] = "P" + i;
    }

    private Long readReasons() {
        NvmlNative.Capabilities caps = nvml.capabilities();
        if (useEventReasons) {
            int r = NvmlNative.EventReasons.nvmlDeviceGetCurrentClocksEventReasons(handle, l1);
            if (r == NvmlNative.SUCCESS) return l1[0];
            if (r != NvmlNative.ERROR_FUNCTION_NOT_FOUND && r != NvmlNative.ERROR_NOT_SUPPORTED) {
                ok(r, "throttle_reasons");
                return null;
            }
            useEventReasons = false; // older driver: the call was named "throttle reasons"
        }
        if (!caps.throttleReasons()) {
            error("throttle_reasons", "Function Not Found");
            return null;
        }
        return longField(NvmlNative.ThrottleReasons.nvmlDeviceGetCurrentClocksThrottleReasons(handle, l1), "throttle_reasons");
    }

    private List<GpuSample.GpuProcess> readProcesses() {
        NvmlNative.Capabilities caps = nvml.capabilities();
        boolean v2 = caps.processesV2();
        if (!v2 && !caps.processesV1()) {
            error("procs", "Function Not Found");
            return null;
        }
        int stride = v2 ? 3 : 2;
        for (int attempt = 0; attempt < 3; attempt++) {
            i1[0] = procs.length / stride;
            int r = v2 ? NvmlNative.ProcessesV2.nvmlDeviceGetComputeRunningProcesses_v2(handle, i1, procs)
                    : NvmlNative.ProcessesV1.nvmlDeviceGetComputeRunningProcesses(handle, i1, procs);
            if (r == NvmlNative.ERROR_INSUFFICIENT_SIZE) {
                procs = new long[(i1[0] + 8) * 3]; // processes started between the calls: grow and ask again
                continue;
            }
            if (!ok(r, "procs")) return null;
            int n = i1[0];
            if (n == 0) return List.of();
            List<GpuSample.GpuProcess> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long pid = procs[i * stride] & 0xFFFFFFFFL;
                long used = procs[i * stride + 1];
                out.add(new GpuSample.GpuProcess(pid, used == NvmlNative.VALUE_NOT_AVAILABLE ? null : used >>> MIB_SHIFT));
            }
            return out;
        }
        error("procs", "process list kept changing while read");
        return null;
    }

    private Integer intField(int r, String field) {
        return ok(r, field) ? i1[0] : null;
    }

    private Long longField(int r, String field) {
        return ok(r, field) ? l1[0] : null;
    }

    private boolean ok(int r, String field) {
        if (r == NvmlNative.SUCCESS) return true;
        if (r == NvmlNative.ERROR_GPU_IS_LOST) lost = true;
        error(field, nvml.errorString(r));
        return false;
    }

    private void error(String field, String message) {
        if (errors == null) errors = new LinkedHashMap<>();
        errors.put(field, message);
    }
}
