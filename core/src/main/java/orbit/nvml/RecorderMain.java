package orbit.nvml;

import orbit.OrbitException;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The GPU tracker process of a launch:
 * {@code java -cp ... orbit.nvml.RecorderMain --out FILE [--interval 1s] [--simulate N | --simulate-if-no-gpu N | --no-gpu-ok] [--count N]}.
 * With {@code --no-gpu-ok} a host without the driver gets one gpu_unavailable event and exit 0.
 * Records until SIGTERM (or N samples); the shutdown hook writes sampler_stop and flushes. Kept free of
 * the command-line library so that only orbit-core and its dependencies need to be on the classpath.
 */
public final class RecorderMain {
    private RecorderMain() {}

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (OrbitException e) {
            System.err.println("orbit nvml record: error: " + e.getMessage());
            code = 1;
        } catch (UncheckedIOException e) {
            System.err.println("orbit nvml record: error: " + e.getMessage() + ": " + e.getCause().getMessage());
            code = 1;
        }
        System.exit(code);
    }

    static final String USAGE = "usage: orbit nvml record --out FILE [--interval 1s] [--simulate N | --simulate-if-no-gpu N | --no-gpu-ok] [--count N]";

    /** Parses the tracker options and records; returns the exit code. Throws OrbitException on bad input. */
    public static int run(String[] args) {
        Path out = null;
        Duration interval = Interval.DEFAULT;
        Integer simulate = null;
        Integer simulateIfNoGpu = null;
        Long count = null;
        boolean noGpuOk = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--out" -> out = Path.of(need(a, value));
                case "--interval" -> interval = Interval.parse(need(a, value));
                case "--simulate" -> simulate = positive(a, need(a, value));
                case "--simulate-if-no-gpu" -> simulateIfNoGpu = positive(a, need(a, value));
                case "--count" -> count = (long) positive(a, need(a, value));
                case "--no-gpu-ok" -> {
                    noGpuOk = true;
                    continue; // a flag: no value to skip
                }
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return 0;
                }
                default -> throw new OrbitException("unknown option " + a + "; " + USAGE);
            }
            i++;
        }
        if (out == null) throw new OrbitException("--out FILE is required; " + USAGE);
        if (simulate != null && simulateIfNoGpu != null) throw new OrbitException("use --simulate or --simulate-if-no-gpu, not both");
        GpuSampler sampler;
        if (simulate != null) sampler = new SimulatedSampler(simulate, "--simulate " + simulate);
        else if (simulateIfNoGpu != null) sampler = GpuSamplers.nvmlOrSimulated(simulateIfNoGpu);
        else {
            NvmlProbe probe = Nvml.open();
            if (noGpuOk && probe instanceof NvmlProbe.NotFound missing) {
                // A launch on a host without a GPU is not a failed run: the audit says so and the tracker ends.
                try (AuditWriter writer = AuditWriter.open(out, HostName.local())) {
                    writer.write(GpuEvent.of(GpuEvent.GPU_UNAVAILABLE, null, "nvml", missing.reason()));
                }
                System.err.println("orbit nvml record: " + missing.reason() + " (recorded as gpu_unavailable)");
                return 0;
            }
            sampler = GpuSamplers.nvml(probe);
        }
        return record(sampler, out, interval, count);
    }

    static int record(GpuSampler sampler, Path out, Duration interval, Long count) {
        AuditWriter writer = AuditWriter.open(out, HostName.local());
        Recorder recorder = new Recorder(sampler, writer, interval);
        Thread hook = new Thread(() -> recorder.stop("SIGTERM"), "orbit-nvml-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        String note = sampler instanceof SimulatedSampler ? "SIMULATED samples: not measured on any GPU" : null;
        try {
            if (count != null) {
                recorder.recordSamples(count, note);
            } else {
                recorder.start(note);
                recorder.awaitStop();
            }
        } catch (InterruptedException e) {
            recorder.stop("interrupted");
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook is running or ran
        }
        return 0;
    }

    private static String need(String option, String value) {
        if (value == null || value.startsWith("--")) throw new OrbitException(option + " needs a value; " + USAGE);
        return value;
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the message
        }
        throw new OrbitException(option + " takes a positive whole number, not '" + value + "'");
    }
}
