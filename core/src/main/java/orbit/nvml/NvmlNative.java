package orbit.nvml;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * JNA direct mapping of the NVML calls ORBIT uses. Direct mapping with primitive arrays as out-parameters
 * costs a fraction of interface mapping with Structure objects, and the arrays are owned and reused by
 * each {@link NvmlDevice}. Device and event-set handles are opaque pointers passed as {@code long}.
 *
 * <p>Calls that older drivers lack live in their own nested classes, so a missing symbol only switches
 * that one call off (and its fallback on) instead of failing the whole binding.
 */
final class NvmlNative {
    private NvmlNative() {}

    static final int SUCCESS = 0;
    static final int ERROR_NOT_SUPPORTED = 3;
    static final int ERROR_INSUFFICIENT_SIZE = 7;
    static final int ERROR_TIMEOUT = 10;
    static final int ERROR_FUNCTION_NOT_FOUND = 13;
    static final int ERROR_GPU_IS_LOST = 15;
    static final int ERROR_ARGUMENT_VERSION_MISMATCH = 25;

    static final int CLOCK_GRAPHICS = 0;
    static final int CLOCK_SM = 1;
    static final int CLOCK_MEM = 2;
    static final int MEMORY_ERROR_CORRECTED = 0;
    static final int MEMORY_ERROR_UNCORRECTED = 1;
    static final int ECC_COUNTER_VOLATILE = 0;
    static final int PCIE_TX_BYTES = 0;
    static final int PCIE_RX_BYTES = 1;
    static final int TEMPERATURE_GPU = 0;
    static final long EVENT_TYPE_XID_CRITICAL_ERROR = 0x8L;
    /** nvmlMemory_v2_t: unsigned version + padding, then total, reserved, free, used (40 bytes). */
    static final long MEMORY_V2_VERSION = 0x02000028L;
    /** NVML_VALUE_NOT_AVAILABLE for unsigned long long fields. */
    static final long VALUE_NOT_AVAILABLE = -1L;

    static native int nvmlInit_v2();

    static native int nvmlShutdown();

    static native String nvmlErrorString(int result);

    static native int nvmlSystemGetDriverVersion(byte[] version, int length);

    static native int nvmlSystemGetCudaDriverVersion(int[] version);

    static native int nvmlDeviceGetCount_v2(int[] count);

    static native int nvmlDeviceGetHandleByIndex_v2(int index, long[] device);

    static native int nvmlDeviceGetUUID(long device, byte[] uuid, int length);

    static native int nvmlDeviceGetName(long device, byte[] name, int length);

    /** nvmlPciInfo_t: busIdLegacy[16], domain, bus, device, pciDeviceId, pciSubSystemId, busId[32] (68 bytes). */
    static native int nvmlDeviceGetPciInfo_v3(long device, byte[] pci);

    /** nvmlUtilization_t: gpu, memory. */
    static native int nvmlDeviceGetUtilizationRates(long device, int[] utilization);

    /** nvmlMemory_t: total, free, used — in that order. */
    static native int nvmlDeviceGetMemoryInfo(long device, long[] memory);

    static native int nvmlDeviceGetTemperature(long device, int sensor, int[] temp);

    static native int nvmlDeviceGetPowerUsage(long device, int[] milliwatts);

    static native int nvmlDeviceGetEnforcedPowerLimit(long device, int[] milliwatts);

    static native int nvmlDeviceGetTotalEnergyConsumption(long device, long[] millijoules);

    static native int nvmlDeviceGetClockInfo(long device, int clockType, int[] mhz);

    static native int nvmlDeviceGetTotalEccErrors(long device, int errorType, int counterType, long[] count);

    static native int nvmlDeviceGetPcieThroughput(long device, int counter, int[] kbPerSecond);

    static native int nvmlDeviceGetPcieReplayCounter(long device, int[] count);

    static native int nvmlDeviceGetPerformanceState(long device, int[] pstate);

    static final class MemoryV2 {
        /** nvmlMemory_v2_t as five longs: [0] low half = version, then total, reserved, free, used. */
        static native int nvmlDeviceGetMemoryInfo_v2(long device, long[] memory);
    }

    static final class EventReasons {
        static native int nvmlDeviceGetCurrentClocksEventReasons(long device, long[] reasons);
    }

    static final class ThrottleReasons {
        static native int nvmlDeviceGetCurrentClocksThrottleReasons(long device, long[] reasons);
    }

    /** nvmlProcessInfo_v2_t: pid (+4 padding), usedGpuMemory, gpuInstanceId, computeInstanceId = 3 longs. */
    static final class ProcessesV2 {
        static native int nvmlDeviceGetComputeRunningProcesses_v2(long device, int[] count, long[] infos);
    }

    /** nvmlProcessInfo_v1_t: pid (+4 padding), usedGpuMemory = 2 longs. */
    static final class ProcessesV1 {
        static native int nvmlDeviceGetComputeRunningProcesses(long device, int[] count, long[] infos);
    }

    /** nvmlEventData_t: device, eventType, eventData, gpuInstanceId + computeInstanceId = 4 longs. */
    static final class Events {
        static native int nvmlEventSetCreate(long[] set);

        static native int nvmlDeviceRegisterEvents(long device, long eventTypes, long set);

        static native int nvmlEventSetWait_v2(long set, long[] data, int timeoutMs);

        static native int nvmlEventSetFree(long set);
    }

    /** What the loaded library offers beyond the base calls. */
    record Capabilities(boolean memoryV2, boolean eventReasons, boolean throttleReasons,
                        boolean processesV2, boolean processesV1, boolean events) {}

    private static NativeLibrary bound;
    private static Capabilities capabilities;

    /**
     * Binds the native methods to {@code library}. JNA direct mapping is per class and per process, so the
     * first library bound stays bound; NVML itself is one per process too.
     */
    static synchronized Capabilities bind(NativeLibrary library) {
        if (bound != null) {
            if (!bound.getFile().equals(library.getFile())) {
                throw new orbit.OrbitException("NVML is already bound to " + bound.getFile()
                        + " in this process; start a new process to use " + library.getFile());
            }
            return capabilities;
        }
        Native.register(NvmlNative.class, library);
        capabilities = new Capabilities(optional(MemoryV2.class, library), optional(EventReasons.class, library),
                optional(ThrottleReasons.class, library), optional(ProcessesV2.class, library),
                optional(ProcessesV1.class, library), optional(Events.class, library));
        bound = library;
        return capabilities;
    }

    private static boolean optional(Class<?> calls, NativeLibrary library) {
        try {
            Native.register(calls, library);
            return true;
        } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
            return false; // this driver predates the call: its fallback is used instead
        }
    }
}
