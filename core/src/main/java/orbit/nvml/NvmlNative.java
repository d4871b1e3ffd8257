package orbit.nvml;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JNA direct mapping of the NVML calls ORBIT uses. Device and event-set handles are opaque pointers passed
 * as {@code long}. The per-sample calls take their out-parameter as the {@code long} address of native
 * memory that each {@link NvmlDevice} owns and reuses (a direct ByteBuffer): no argument conversion,
 * no array copy-in/copy-out, no Structure reflection per call. Set-up calls keep primitive arrays.
 *
 * <p>Only init, count, handle, name and UUID are required. Every other call lives in its own nested class, so
 * a library without it still binds: the field it fills is null (or its fallback is used, e.g. memory v1 for v2),
 * and sampler_start lists the calls the library lacks.
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

    // ---- required: without these a library is not NVML ----

    static native int nvmlInit_v2();

    static native int nvmlDeviceGetCount_v2(int[] count);

    static native int nvmlDeviceGetHandleByIndex_v2(int index, long[] device);

    static native int nvmlDeviceGetUUID(long device, byte[] uuid, int length);

    static native int nvmlDeviceGetName(long device, byte[] name, int length);

    // ---- optional: each in its own class, so a library without it still binds; its field is then null ----

    static final class Shutdown {
        static native int nvmlShutdown();
    }

    static final class ErrorString {
        static native String nvmlErrorString(int result);
    }

    static final class DriverVersion {
        static native int nvmlSystemGetDriverVersion(byte[] version, int length);
    }

    static final class CudaDriverVersion {
        static native int nvmlSystemGetCudaDriverVersion(int[] version);
    }

    /** nvmlPciInfo_t: busIdLegacy[16], domain, bus, device, pciDeviceId, pciSubSystemId, busId[32] (68 bytes). */
    static final class PciInfo {
        static native int nvmlDeviceGetPciInfo_v3(long device, byte[] pci);
    }

    /** nvmlUtilization_t: gpu, memory. */
    static final class Utilization {
        static native int nvmlDeviceGetUtilizationRates(long device, long utilization);
    }

    /** nvmlMemory_t: total, free, used — in that order. */
    static final class Memory {
        static native int nvmlDeviceGetMemoryInfo(long device, long memory);
    }

    static final class Temperature {
        static native int nvmlDeviceGetTemperature(long device, int sensor, long temp);
    }

    static final class Power {
        static native int nvmlDeviceGetPowerUsage(long device, long milliwatts);
    }

    static final class PowerLimit {
        static native int nvmlDeviceGetEnforcedPowerLimit(long device, long milliwatts);
    }

    static final class Energy {
        static native int nvmlDeviceGetTotalEnergyConsumption(long device, long millijoules);
    }

    static final class Clocks {
        static native int nvmlDeviceGetClockInfo(long device, int clockType, long mhz);
    }

    static final class Ecc {
        static native int nvmlDeviceGetTotalEccErrors(long device, int errorType, int counterType, long count);
    }

    static final class PcieThroughput {
        static native int nvmlDeviceGetPcieThroughput(long device, int counter, long kbPerSecond);
    }

    static final class PcieReplay {
        static native int nvmlDeviceGetPcieReplayCounter(long device, long count);
    }

    static final class PerformanceState {
        static native int nvmlDeviceGetPerformanceState(long device, long pstate);
    }

    static final class MemoryV2 {
        /** nvmlMemory_v2_t: unsigned version (+4 padding), then total, reserved, free, used: 40 bytes. */
        static native int nvmlDeviceGetMemoryInfo_v2(long device, long memory);
    }

    static final class EventReasons {
        static native int nvmlDeviceGetCurrentClocksEventReasons(long device, long reasons);
    }

    static final class ThrottleReasons {
        static native int nvmlDeviceGetCurrentClocksThrottleReasons(long device, long reasons);
    }

    /** nvmlProcessInfo_v2_t: pid (+4 padding), usedGpuMemory, gpuInstanceId, computeInstanceId = 3 longs. */
    static final class ProcessesV2 {
        static native int nvmlDeviceGetComputeRunningProcesses_v2(long device, long count, long infos);
    }

    /** nvmlProcessInfo_v1_t: pid (+4 padding), usedGpuMemory = 2 longs. */
    static final class ProcessesV1 {
        static native int nvmlDeviceGetComputeRunningProcesses(long device, long count, long infos);
    }

    /** nvmlEventData_t: device, eventType, eventData, gpuInstanceId + computeInstanceId = 4 longs. */
    static final class Events {
        static native int nvmlEventSetCreate(long[] set);

        static native int nvmlDeviceRegisterEvents(long device, long eventTypes, long set);

        static native int nvmlEventSetWait_v2(long set, long[] data, int timeoutMs);

        static native int nvmlEventSetFree(long set);
    }

    /** Every optional group of calls, in the order a sample reads them. */
    private static final List<Class<?>> OPTIONAL = List.of(Shutdown.class, ErrorString.class, DriverVersion.class,
            CudaDriverVersion.class, PciInfo.class, Utilization.class, Memory.class, MemoryV2.class, Temperature.class,
            Power.class, PowerLimit.class, Energy.class, Clocks.class, EventReasons.class, ThrottleReasons.class, Ecc.class,
            PcieThroughput.class, PcieReplay.class, PerformanceState.class, ProcessesV2.class, ProcessesV1.class, Events.class);

    /** Which optional groups of calls the loaded library has; {@link #missing} names the calls it lacks. */
    record Capabilities(Set<Class<?>> present, List<String> missing) {
        boolean has(Class<?> calls) {
            return present.contains(calls);
        }

        boolean memoryV2() {
            return has(MemoryV2.class);
        }

        boolean eventReasons() {
            return has(EventReasons.class);
        }

        boolean throttleReasons() {
            return has(ThrottleReasons.class);
        }

        boolean processesV2() {
            return has(ProcessesV2.class);
        }

        boolean processesV1() {
            return has(ProcessesV1.class);
        }

        boolean events() {
            return has(Events.class);
        }
    }

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
        Set<Class<?>> present = new HashSet<>();
        List<String> missing = new ArrayList<>();
        for (Class<?> calls : OPTIONAL) {
            if (optional(calls, library)) present.add(calls);
            else for (Method m : calls.getDeclaredMethods()) if (Modifier.isNative(m.getModifiers())) missing.add(m.getName());
        }
        capabilities = new Capabilities(Set.copyOf(present), List.copyOf(missing));
        bound = library;
        return capabilities;
    }

    private static boolean optional(Class<?> calls, NativeLibrary library) {
        try {
            Native.register(calls, library);
            return true;
        } catch (UnsatisfiedLinkError | IllegalArgumentException e) {
            return false; // this driver predates the call (or never had it): its field is null, or its fallback is used
        }
    }
}
