package orbit.nvml;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A line of the audit with an {@code event} key: xid, gpu_lost, sampler_start, sampler_stop,
 * gpu_unavailable, sampler_error. {@code details} become further keys of the line.
 */
public record GpuEvent(Instant ts, String event, Integer gpu, String source, String reason, Map<String, Object> details) {
    public static final String XID = "xid";
    public static final String GPU_LOST = "gpu_lost";
    public static final String SAMPLER_START = "sampler_start";
    public static final String SAMPLER_STOP = "sampler_stop";
    public static final String GPU_UNAVAILABLE = "gpu_unavailable";
    public static final String SAMPLER_ERROR = "sampler_error";

    public GpuEvent {
        details = details == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static GpuEvent of(String event, Integer gpu, String source, String reason) {
        return new GpuEvent(Instant.now(), event, gpu, source, reason, Map.of());
    }
}
