package orbit.nvml;

/** Chooses a sampler: NVML when the driver is there, simulated GPUs when asked or when it is not. */
public final class GpuSamplers {
    private GpuSamplers() {}

    /** Simulated GPUs, always. */
    public static GpuSampler simulated(int gpus) {
        return new SimulatedSampler(gpus);
    }

    /** NVML, or an OrbitException saying that no driver was found and that --simulate exists. */
    public static GpuSampler nvml() {
        return nvml(Nvml.open());
    }

    /** The sampler for a probe already made, so a caller that looked at the probe does not initialise NVML twice. */
    public static GpuSampler nvml(NvmlProbe probe) {
        if (probe instanceof NvmlProbe.Found f) return new NvmlSampler(f.nvml());
        throw new orbit.OrbitException(((NvmlProbe.NotFound) probe).reason() + "; or pass --simulate N for simulated GPUs");
    }

    /** NVML when the driver is there, else {@code gpus} simulated GPUs whose sampler_start says why. */
    public static GpuSampler nvmlOrSimulated(int gpus) {
        NvmlProbe probe = Nvml.open();
        if (probe instanceof NvmlProbe.Found f) return new NvmlSampler(f.nvml());
        return new SimulatedSampler(gpus, ((NvmlProbe.NotFound) probe).reason());
    }
}
