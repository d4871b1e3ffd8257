package orbit.nvml;

/** The result of looking for NVML: a usable binding, or one line saying why there is none. */
public sealed interface NvmlProbe permits NvmlProbe.Found, NvmlProbe.NotFound {
    record Found(Nvml nvml) implements NvmlProbe {}

    /** {@code reason} starts with "no NVIDIA driver found" and says what was tried. */
    record NotFound(String reason) implements NvmlProbe {}
}
