package orbit.nvml;

import com.sun.jna.NativeLibrary;
import orbit.OrbitException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * NVML, the NVIDIA driver's management library, through JNA. {@link #open()} loads
 * {@code libnvidia-ml.so.1} the way the dynamic linker finds it (so LD_LIBRARY_PATH works) or the file
 * named by ORBIT_NVML_LIBRARY; a machine without the driver gets {@link NvmlProbe.NotFound}, never a crash.
 * Not thread-safe per device: one sampling thread reads the devices, the XID watcher only waits on events.
 */
public final class Nvml implements AutoCloseable {
    public static final String DEFAULT_LIBRARY = "libnvidia-ml.so.1";
    public static final String LIBRARY_ENV = "ORBIT_NVML_LIBRARY";

    private final String library;
    private final NvmlNative.Capabilities capabilities;
    private final String[] errorStrings = new String[1000];
    private final List<NvmlDevice> devices;
    private final List<String> deviceErrors = new ArrayList<>();
    private final String driverVersion;
    private final String cudaDriverVersion;
    private boolean closed;

    private Nvml(String library, NvmlNative.Capabilities capabilities) {
        this.library = library;
        this.capabilities = capabilities;
        byte[] text = new byte[96];
        driverVersion = capabilities.has(NvmlNative.DriverVersion.class)
                && NvmlNative.DriverVersion.nvmlSystemGetDriverVersion(text, text.length) == NvmlNative.SUCCESS ? cString(text) : null;
        int[] one = new int[1];
        cudaDriverVersion = capabilities.has(NvmlNative.CudaDriverVersion.class)
                && NvmlNative.CudaDriverVersion.nvmlSystemGetCudaDriverVersion(one) == NvmlNative.SUCCESS
                ? (one[0] / 1000) + "." + (one[0] % 1000) / 10 : null;
        int count = NvmlNative.nvmlDeviceGetCount_v2(one) == NvmlNative.SUCCESS ? one[0] : 0;
        List<NvmlDevice> found = new ArrayList<>(count);
        long[] handle = new long[1];
        for (int i = 0; i < count; i++) {
            int r = NvmlNative.nvmlDeviceGetHandleByIndex_v2(i, handle);
            if (r != NvmlNative.SUCCESS) {
                // one device the driver cannot hand out (lost, no permission) does not hide the others
                deviceErrors.add("gpu " + i + ": " + errorString(r));
                continue;
            }
            found.add(new NvmlDevice(this, i, handle[0]));
        }
        devices = List.copyOf(found);
    }

    /** NVML from ORBIT_NVML_LIBRARY if set, else libnvidia-ml.so.1 as the dynamic linker finds it. */
    public static NvmlProbe open() {
        String configured = System.getenv(LIBRARY_ENV);
        return open(configured == null || configured.isBlank() ? DEFAULT_LIBRARY : configured);
    }

    /** NVML from a library name (searched like dlopen does) or a file path. */
    public static synchronized NvmlProbe open(String library) {
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance(library);
        } catch (UnsatisfiedLinkError e) {
            // JNA's message lists every path it tried; the one line says what was looked for and what to do
            return new NvmlProbe.NotFound("no NVIDIA driver found: " + library + " could not be loaded;"
                    + " install the NVIDIA driver or set " + LIBRARY_ENV + " to the NVML library file");
        }
        NvmlNative.Capabilities caps;
        try {
            caps = NvmlNative.bind(lib);
        } catch (UnsatisfiedLinkError e) {
            return new NvmlProbe.NotFound("no NVIDIA driver found: " + library + " is not a usable NVML library ("
                    + firstLine(e.getMessage()) + "; it lacks one of nvmlInit_v2, nvmlDeviceGetCount_v2,"
                    + " nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetName, nvmlDeviceGetUUID)");
        }
        int r = NvmlNative.nvmlInit_v2();
        if (r != NvmlNative.SUCCESS) {
            return new NvmlProbe.NotFound("no NVIDIA driver found: nvmlInit failed: " + errorText(caps, r)
                    + " (NVML error " + r + "); check that the NVIDIA kernel module is loaded (nvidia-smi)");
        }
        return new NvmlProbe.Found(new Nvml(library, caps));
    }

    /** NVML or an {@link OrbitException} carrying the one-line reason. */
    public static Nvml openOrThrow() {
        NvmlProbe probe = open();
        if (probe instanceof NvmlProbe.Found f) return f.nvml();
        throw new OrbitException(((NvmlProbe.NotFound) probe).reason());
    }

    public String library() {
        return library;
    }

    public String driverVersion() {
        return driverVersion;
    }

    /** The CUDA version the driver supports, "12.4". */
    public String cudaDriverVersion() {
        return cudaDriverVersion;
    }

    public List<NvmlDevice> devices() {
        return devices;
    }

    /** Devices NVML counted but would not hand out, as "gpu N: error". */
    public List<String> deviceErrors() {
        return List.copyOf(deviceErrors);
    }

    NvmlNative.Capabilities capabilities() {
        return capabilities;
    }

    /** NVML's own text for a return code, cached: the same few codes repeat every sample. */
    String errorString(int result) {
        if (result < 0 || result >= errorStrings.length) return errorText(capabilities, result);
        String s = errorStrings[result];
        if (s == null) {
            s = errorText(capabilities, result);
            errorStrings[result] = s;
        }
        return s;
    }

    /** nvmlErrorString, or where the library lacks it the names NVML gives the codes ORBIT tells apart. */
    private static String errorText(NvmlNative.Capabilities caps, int result) {
        if (caps.has(NvmlNative.ErrorString.class)) return NvmlNative.ErrorString.nvmlErrorString(result);
        return switch (result) {
            case NvmlNative.ERROR_NOT_SUPPORTED -> "Not Supported";
            case NvmlNative.ERROR_INSUFFICIENT_SIZE -> "Insufficient Size";
            case NvmlNative.ERROR_TIMEOUT -> "Timeout";
            case NvmlNative.ERROR_FUNCTION_NOT_FOUND -> "Function Not Found";
            case NvmlNative.ERROR_GPU_IS_LOST -> "GPU is lost";
            case NvmlNative.ERROR_ARGUMENT_VERSION_MISMATCH -> "Argument version mismatch";
            default -> "NVML error " + result;
        };
    }

    /** The NVML calls this library lacks (an older driver): the fields they fill are null. */
    public List<String> missingCalls() {
        return capabilities.missing();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (capabilities.has(NvmlNative.Shutdown.class)) NvmlNative.Shutdown.nvmlShutdown();
    }

    static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    private static String firstLine(String s) {
        if (s == null) return "not found";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
