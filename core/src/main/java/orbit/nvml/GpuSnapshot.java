package orbit.nvml;

import java.time.Instant;
import java.util.List;

/** Every GPU a sampler sees, read at one instant; a lost GPU is absent (its loss is an event). */
public record GpuSnapshot(Instant ts, String source, List<GpuSample> gpus) {}
