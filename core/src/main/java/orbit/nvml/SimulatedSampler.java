package orbit.nvml;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Plausible readings for machines without a GPU (demos, the quickstart, tests of what consumes samples).
 * Every sample says {@code source: simulated} and every name says "simulated", so a simulated run can
 * never be mistaken for a measured one. Training-like shape: busy GPUs, memory climbing to a plateau,
 * temperature and power following utilisation, energy accumulating.
 */
public final class SimulatedSampler implements GpuSampler {
    private static final long MEM_TOTAL_MIB = 81559;

    private final int gpus;
    private final Instant start = Instant.now();
    private final double[] energyJ;
    private Instant last = start;
    private final String reason;

    public SimulatedSampler(int gpus) {
        this(gpus, null);
    }

    /** @param reason why simulated samples are recorded (e.g. no driver found), written into sampler_start */
    public SimulatedSampler(int gpus, String reason) {
        if (gpus < 1 || gpus > 64) throw new orbit.OrbitException("--simulate takes 1 to 64 GPUs, not " + gpus);
        this.gpus = gpus;
        this.energyJ = new double[gpus];
        for (int i = 0; i < gpus; i++) energyJ[i] = 1_000_000.0 + 1000.0 * i;
        this.reason = reason;
    }

    @Override
    public String source() {
        return "simulated";
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gpus", gpus);
        m.put("note", "simulated samples, not measured on any GPU");
        if (reason != null) m.put("simulated_because", reason);
        return m;
    }

    @Override
    public synchronized GpuSnapshot sample() {
        Instant now = Instant.now();
        double t = Duration.between(start, now).toMillis() / 1000.0;
        double dt = Duration.between(last, now).toMillis() / 1000.0;
        last = now;
        List<GpuSample> out = new ArrayList<>(gpus);
        for (int i = 0; i < gpus; i++) {
            double phase = i * 0.7;
            // a step of about 6 s: forward/backward busy, a short dip at each optimizer/data boundary
            double cycle = (t + phase) % 6.0;
            int util = cycle < 5.2 ? (int) Math.round(92 + 6 * Math.sin(t * 1.3 + phase)) : (int) Math.round(35 + 10 * Math.sin(t + phase));
            util = Math.max(0, Math.min(100, util));
            long memUsed = Math.round(Math.min(1.0, 0.15 + t / 120.0) * 0.86 * MEM_TOTAL_MIB) + 37L * i;
            int temp = (int) Math.round(38 + util * 0.32 + 2 * Math.sin(t / 30 + phase));
            double power = Math.round((90 + util * 5.6 + 8 * Math.sin(t * 0.9 + phase)) * 1000) / 1000.0;
            energyJ[i] += power * dt;
            int sm = util > 50 ? 1980 : 1755;
            long reasons = util < 10 ? 0x1L : power > 600 ? 0x4L : 0L;
            List<GpuSample.GpuProcess> procs = List.of(new GpuSample.GpuProcess(40000 + i, memUsed - 530));
            out.add(new GpuSample(i, String.format("GPU-00000000-0000-0000-0000-51a1a7ed%04d", i),
                    "simulated H100 80GB HBM3", String.format("00000000:%02X:00.0", 0x18 + i),
                    util, (int) Math.round(util * 0.45), memUsed, MEM_TOTAL_MIB, MEM_TOTAL_MIB - memUsed,
                    temp, power, 700.0, Math.round(energyJ[i] * 1000) / 1000.0,
                    sm, 2619, sm, reasons, ClockReasons.names(reasons), 0L, 0L,
                    (long) (4000 + 800 * Math.sin(t + phase)), (long) (12000 + 3000 * Math.cos(t + phase)), 0L,
                    "P0", procs, source(), Map.of()));
        }
        return new GpuSnapshot(now, source(), out);
    }

    @Override
    public void onEvent(Consumer<GpuEvent> sink) {
        // simulated GPUs raise no XIDs and are never lost
    }

    @Override
    public void close() {
    }
}
