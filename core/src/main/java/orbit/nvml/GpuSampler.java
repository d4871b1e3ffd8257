package orbit.nvml;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The seam between where GPU readings come from and what is done with them: the audit writer, the live
 * table and the benchmark see snapshots and events, and know the origin only through {@code source}.
 */
public sealed interface GpuSampler extends AutoCloseable permits NvmlSampler, NvidiaSmiSampler, SimulatedSampler {
    /** "nvml", "nvidia-smi" or "simulated". */
    String source();

    /** What the sampler_start event records: driver and CUDA versions, GPU count, notes. */
    Map<String, Object> describe();

    /** Reads every GPU now. A GPU that fails does not stop the others. */
    GpuSnapshot sample();

    /** Where events (xid, gpu_lost) go as they happen; called from the sampling thread or a watcher thread. */
    void onEvent(Consumer<GpuEvent> sink);

    @Override
    void close();
}
