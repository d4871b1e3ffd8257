package orbit.nvml;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

    // Out-parameters live in native memory owned by this device and reused by every read: the calls get
    // its address, the values are read back through the buffer without a JNI call each.
    private final ByteBuffer out = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
    private final long outAddress = address(out);
    private final ByteBuffer count = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private final long countAddress = address(count);
    private ByteBuffer procs = ByteBuffer.allocateDirect(24 * 16).order(ByteOrder.nativeOrder());
    private long procsAddress = address(procs);
    private boolean useMemoryV2;
    private boolean useEventReasons;
    private boolean lost;
    private long calls;

    // Fields this device answered NOT_SUPPORTED for, one bit each: a device does not gain a sensor while the
    // driver is loaded, so they are not asked again (a consumer GPU refuses ECC on every sample otherwise).
    private static final int F_UTIL = 1, F_MEM = 1 << 1, F_TEMP = 1 << 2, F_POWER = 1 << 3, F_LIMIT = 1 << 4, F_ENERGY = 1 << 5,
            F_SM = 1 << 6, F_MEMCLK = 1 << 7, F_GRAPHICS = 1 << 8, F_REASONS = 1 << 9, F_ECC_CORR = 1 << 10,
            F_ECC_UNCORR = 1 << 11, F_TX = 1 << 12, F_RX = 1 << 13, F_REPLAY = 1 << 14, F_PSTATE = 1 << 15, F_PROCS = 1 << 16;
    private int unsupported;
    private String notSupported;
    // Fields the library has no call for (an older driver): null on every sample, listed once in sampler_start
    private final int absent;

    private static int absent(NvmlNative.Capabilities caps) {
        int bits = 0;
        if (!caps.has(NvmlNative.Utilization.class)) bits |= F_UTIL;
        if (!caps.has(NvmlNative.Memory.class) && !caps.memoryV2()) bits |= F_MEM;
        if (!caps.has(NvmlNative.Temperature.class)) bits |= F_TEMP;
        if (!caps.has(NvmlNative.Power.class)) bits |= F_POWER;
        if (!caps.has(NvmlNative.PowerLimit.class)) bits |= F_LIMIT;
        if (!caps.has(NvmlNative.Energy.class)) bits |= F_ENERGY;
        if (!caps.has(NvmlNative.Clocks.class)) bits |= F_SM | F_MEMCLK | F_GRAPHICS;
        if (!caps.eventReasons() && !caps.throttleReasons()) bits |= F_REASONS;
        if (!caps.has(NvmlNative.Ecc.class)) bits |= F_ECC_CORR | F_ECC_UNCORR;
        if (!caps.has(NvmlNative.PcieThroughput.class)) bits |= F_TX | F_RX;
        if (!caps.has(NvmlNative.PcieReplay.class)) bits |= F_REPLAY;
        if (!caps.has(NvmlNative.PerformanceState.class)) bits |= F_PSTATE;
        if (!caps.processesV2() && !caps.processesV1()) bits |= F_PROCS;
        return bits;
    }


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
        NvmlNative.Capabilities caps = nvml.capabilities();
        byte[] pci = new byte[68];
        this.pciBusId = caps.has(NvmlNative.PciInfo.class) && NvmlNative.PciInfo.nvmlDeviceGetPciInfo_v3(handle, pci) == NvmlNative.SUCCESS
                ? Nvml.cString(java.util.Arrays.copyOfRange(pci, 36, 68)) : null;
        this.useMemoryV2 = caps.memoryV2();
        this.useEventReasons = caps.eventReasons();
        this.absent = absent(caps);
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
        final long o = outAddress;
        Integer utilGpu = null, utilMem = null;
        if (!skipped(F_UTIL, "util_gpu") && ok(call(NvmlNative.Utilization.nvmlDeviceGetUtilizationRates(handle, o)), F_UTIL, "util_gpu")) {
            utilGpu = out.getInt(0);
            utilMem = out.getInt(4);
        }
        Long memTotal = null, memFree = null, memUsed = null;
        NvmlNative.Capabilities caps = nvml.capabilities();
        int r;
        if (useMemoryV2) {
            out.putLong(0, NvmlNative.MEMORY_V2_VERSION); // version in the first 4 bytes, padding zeroed
            r = call(NvmlNative.MemoryV2.nvmlDeviceGetMemoryInfo_v2(handle, o));
            if (r == NvmlNative.SUCCESS) {
                memTotal = out.getLong(8) >>> MIB_SHIFT;
                memFree = out.getLong(24) >>> MIB_SHIFT;
                memUsed = out.getLong(32) >>> MIB_SHIFT;
            } else if (r == NvmlNative.ERROR_FUNCTION_NOT_FOUND || r == NvmlNative.ERROR_ARGUMENT_VERSION_MISMATCH
                    || r == NvmlNative.ERROR_NOT_SUPPORTED) {
                useMemoryV2 = false; // this driver or device only answers the v1 call
            } else {
                ok(r, 0, "mem_used_mib");
            }
        }
        if (!useMemoryV2 && caps.has(NvmlNative.Memory.class) && !skipped(F_MEM, "mem_used_mib")
                && ok(call(NvmlNative.Memory.nvmlDeviceGetMemoryInfo(handle, o)), F_MEM, "mem_used_mib")) { // nvmlMemory_t: total, free, used
            memTotal = out.getLong(0) >>> MIB_SHIFT;
            memFree = out.getLong(8) >>> MIB_SHIFT;
            memUsed = out.getLong(16) >>> MIB_SHIFT;
        }
        Integer temp = skipped(F_TEMP, "temp_c") ? null
                : intField(NvmlNative.Temperature.nvmlDeviceGetTemperature(handle, NvmlNative.TEMPERATURE_GPU, o), F_TEMP, "temp_c");
        Double power = null, energy = null;
        if (!skipped(F_POWER, "power_w") && ok(call(NvmlNative.Power.nvmlDeviceGetPowerUsage(handle, o)), F_POWER, "power_w")) {
            power = uint() / 1000.0;
        }
        Double limit = powerLimit();
        if (!skipped(F_ENERGY, "energy_j") && ok(call(NvmlNative.Energy.nvmlDeviceGetTotalEnergyConsumption(handle, o)), F_ENERGY, "energy_j")) {
            energy = out.getLong(0) / 1000.0;
        }
        Integer sm = skipped(F_SM, "sm_clock_mhz") ? null
                : intField(NvmlNative.Clocks.nvmlDeviceGetClockInfo(handle, NvmlNative.CLOCK_SM, o), F_SM, "sm_clock_mhz");
        Integer memClock = skipped(F_MEMCLK, "mem_clock_mhz") ? null
                : intField(NvmlNative.Clocks.nvmlDeviceGetClockInfo(handle, NvmlNative.CLOCK_MEM, o), F_MEMCLK, "mem_clock_mhz");
        Integer graphics = skipped(F_GRAPHICS, "graphics_clock_mhz") ? null
                : intField(NvmlNative.Clocks.nvmlDeviceGetClockInfo(handle, NvmlNative.CLOCK_GRAPHICS, o), F_GRAPHICS, "graphics_clock_mhz");
        Long reasons = readReasons();
        Long eccCorrected = skipped(F_ECC_CORR, "ecc_corrected") ? null : longField(NvmlNative.Ecc.nvmlDeviceGetTotalEccErrors(handle,
                NvmlNative.MEMORY_ERROR_CORRECTED, NvmlNative.ECC_COUNTER_VOLATILE, o), F_ECC_CORR, "ecc_corrected");
        Long eccUncorrected = skipped(F_ECC_UNCORR, "ecc_uncorrected") ? null : longField(NvmlNative.Ecc.nvmlDeviceGetTotalEccErrors(handle,
                NvmlNative.MEMORY_ERROR_UNCORRECTED, NvmlNative.ECC_COUNTER_VOLATILE, o), F_ECC_UNCORR, "ecc_uncorrected");
        Long tx = null, rx = null, replay = null;
        if (!skipped(F_TX, "pcie_tx_kbps")
                && ok(call(NvmlNative.PcieThroughput.nvmlDeviceGetPcieThroughput(handle, NvmlNative.PCIE_TX_BYTES, o)), F_TX, "pcie_tx_kbps")) tx = uint();
        if (!skipped(F_RX, "pcie_rx_kbps")
                && ok(call(NvmlNative.PcieThroughput.nvmlDeviceGetPcieThroughput(handle, NvmlNative.PCIE_RX_BYTES, o)), F_RX, "pcie_rx_kbps")) rx = uint();
        if (!skipped(F_REPLAY, "pcie_replay") && ok(call(NvmlNative.PcieReplay.nvmlDeviceGetPcieReplayCounter(handle, o)), F_REPLAY, "pcie_replay")) {
            replay = uint();
        }
        String pstate = null;
        if (!skipped(F_PSTATE, "pstate") && ok(call(NvmlNative.PerformanceState.nvmlDeviceGetPerformanceState(handle, o)), F_PSTATE, "pstate")) {
            int p = out.getInt(0);
            if (p >= 0 && p <= 15) pstate = PSTATES[p];
            else error("pstate", "Unknown performance state " + p);
        }
        List<GpuSample.GpuProcess> processes = skipped(F_PROCS, "procs") ? null : readProcesses();
        return new GpuSample(index, uuid, name, pciBusId, utilGpu, utilMem, memUsed, memTotal, memFree, temp, power, limit,
                energy, sm, memClock, graphics, reasons, ClockReasons.names(reasons), eccCorrected, eccUncorrected,
                tx, rx, replay, pstate, processes, "nvml", errors);
    }

    /**
     * The enforced power limit, read on every sample: a cap set by the host's owner mid-run is evidence for power
     * throttling, and the audit must show it the second it happened (one call, well under a microsecond).
     */
    private Double powerLimit() {
        if (skipped(F_LIMIT, "power_limit_w")) return null;
        if (!ok(call(NvmlNative.PowerLimit.nvmlDeviceGetEnforcedPowerLimit(handle, outAddress)), F_LIMIT, "power_limit_w")) return null;
        return uint() / 1000.0;
    }

    /** NVML calls this device has made: the benchmark reports calls per snapshot from it. */
    long calls() {
        return calls;
    }

    private int call(int result) {
        calls++;
        return result;
    }

    /** True (and the field's error kept) when this device already answered NOT_SUPPORTED for it. */
    private boolean skipped(int bit, String field) {
        if ((absent & bit) != 0) return true;
        if ((unsupported & bit) == 0) return false;
        error(field, notSupported);
        return true;
    }

    private long uint() {
        return out.getInt(0) & 0xFFFFFFFFL;
    }

    private static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    private static final String[] PSTATES = new String[16];

    static {
        for (int i = 0; i < 16; i++) PSTATES[i] = "P" + i;
    }

    private Long readReasons() {
        NvmlNative.Capabilities caps = nvml.capabilities();
        if ((absent & F_REASONS) != 0) return null;
        if (useEventReasons) {
            int r = call(NvmlNative.EventReasons.nvmlDeviceGetCurrentClocksEventReasons(handle, outAddress));
            if (r == NvmlNative.SUCCESS) return out.getLong(0);
            if (r != NvmlNative.ERROR_FUNCTION_NOT_FOUND && r != NvmlNative.ERROR_NOT_SUPPORTED) {
                ok(r, 0, "throttle_reasons");
                return null;
            }
            useEventReasons = false; // older driver: the call was named "throttle reasons"
        }
        if (!caps.throttleReasons()) {
            error("throttle_reasons", "Function Not Found"); // the event-reasons call said so: no older one to fall back on
            return null;
        }
        if (skipped(F_REASONS, "throttle_reasons")) return null;
        return longField(NvmlNative.ThrottleReasons.nvmlDeviceGetCurrentClocksThrottleReasons(handle, outAddress), F_REASONS, "throttle_reasons");
    }

    private List<GpuSample.GpuProcess> readProcesses() {
        NvmlNative.Capabilities caps = nvml.capabilities();
        boolean v2 = caps.processesV2();
        int stride = v2 ? 24 : 16; // nvmlProcessInfo_v2_t / nvmlProcessInfo_v1_t, pid at 0, usedGpuMemory at 8
        for (int attempt = 0; attempt < 3; attempt++) {
            count.putInt(0, procs.capacity() / stride);
            int r = call(v2 ? NvmlNative.ProcessesV2.nvmlDeviceGetComputeRunningProcesses_v2(handle, countAddress, procsAddress)
                    : NvmlNative.ProcessesV1.nvmlDeviceGetComputeRunningProcesses(handle, countAddress, procsAddress));
            if (r == NvmlNative.ERROR_INSUFFICIENT_SIZE) {
                // processes started between the calls: grow and ask again
                procs = ByteBuffer.allocateDirect(24 * (count.getInt(0) + 8)).order(ByteOrder.nativeOrder());
                procsAddress = address(procs);
                continue;
            }
            if (!ok(r, F_PROCS, "procs")) return null;
            int n = count.getInt(0);
            if (n == 0) return List.of();
            List<GpuSample.GpuProcess> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long pid = procs.getInt(i * stride) & 0xFFFFFFFFL;
                long used = procs.getLong(i * stride + 8);
                list.add(new GpuSample.GpuProcess(pid, used == NvmlNative.VALUE_NOT_AVAILABLE ? null : used >>> MIB_SHIFT));
            }
            return list;
        }
        error("procs", "process list kept changing while read");
        return null;
    }

    private Integer intField(int r, int bit, String field) {
        return ok(call(r), bit, field) ? out.getInt(0) : null;
    }

    private Long longField(int r, int bit, String field) {
        return ok(call(r), bit, field) ? out.getLong(0) : null;
    }

    private boolean ok(int r, int bit, String field) {
        if (r == NvmlNative.SUCCESS) return true;
        if (r == NvmlNative.ERROR_GPU_IS_LOST) lost = true;
        String message = nvml.errorString(r);
        if (r == NvmlNative.ERROR_NOT_SUPPORTED && bit != 0) {
            unsupported |= bit; // the answer holds while the driver is loaded: stop asking
            notSupported = message;
        }
        error(field, message);
        return false;
    }

    private void error(String field, String message) {
        if (errors == null) errors = new LinkedHashMap<>();
        errors.put(field, message);
    }
}
