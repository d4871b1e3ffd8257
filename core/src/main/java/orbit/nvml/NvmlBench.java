package orbit.nvml;

import orbit.OrbitException;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Benchmark command: microseconds per full snapshot of every GPU through JNA, and the recorder's CPU time
 * per hour at 1 Hz. Uses the NVIDIA driver when present, else the STAND-IN libnvidia-ml.so.1 built from
 * this source tree (8 GPUs), and says which. Reference figures are printed beside the measurements.
 *
 * <pre>java -cp ... orbit.nvml.NvmlBench [--library PATH] [--gpus 8] [--snapshots 20000] [--seconds 10]</pre>
 */
public final class NvmlBench {
    private NvmlBench() {}

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        try {
            run(args, out);
        } catch (OrbitException e) {
            System.err.println("orbit nvml bench: error: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    public static void run(String[] args, PrintWriter out) {
        String library = null;
        int gpus = 8;
        int snapshots = 20_000;
        int seconds = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--library" -> library = args[i + 1];
                case "--gpus" -> gpus = Integer.parseInt(args[i + 1]);
                case "--snapshots" -> snapshots = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new OrbitException("unknown option " + args[i]
                        + "; usage: orbit nvml bench [--library PATH] [--gpus N] [--snapshots N] [--seconds N]");
            }
        }
        Path work;
        try {
            work = Files.createTempDirectory("orbit-nvml-bench-");
        } catch (IOException e) {
            throw new OrbitException("cannot create a temporary directory: " + e.getMessage());
        }
        String what;
        NvmlProbe probe = library != null ? Nvml.open(library) : Nvml.open();
        if (probe instanceof NvmlProbe.NotFound nf && library == null) {
            out.println("no NVIDIA driver here (" + nf.reason() + ")");
            out.println("building the STAND-IN libnvidia-ml.so.1 (not a GPU) with gcc ...");
            Path lib = StandInNvml.build(StandInNvml.locateSource(), work);
            StringBuilder script = new StringBuilder("gpus " + gpus + "\n");
            for (int g = 0; g < gpus; g++) script.append("gpu ").append(g).append(" proc ").append(1000 + g).append(" 21474836480\n");
            StandInNvml.script(lib, script.toString());
            probe = Nvml.open(lib.toString());
            what = "STAND-IN libnvidia-ml.so.1 (C, values from a script; not a GPU)";
        } else {
            what = library != null ? library : "NVIDIA driver";
        }
        if (probe instanceof NvmlProbe.NotFound nf) throw new OrbitException(nf.reason());
        Nvml nvml = ((NvmlProbe.Found) probe).nvml();
        int devices = nvml.devices().size();
        out.printf("library: %s, driver %s, %d GPU(s)%n", what, nvml.driverVersion(), devices);
        if (devices == 0) throw new OrbitException("NVML sees no GPU to sample");

        NvmlSampler sampler = new NvmlSampler(nvml);
        for (int i = 0; i < Math.min(5_000, snapshots); i++) sampler.sample(); // JIT warm-up
        long calls0 = calls(nvml);
        long best = Long.MAX_VALUE;
        long total = 0;
        int rounds = 5;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < snapshots / rounds; i++) sampler.sample();
            long dt = System.nanoTime() - t0;
            total += dt;
            best = Math.min(best, dt);
        }
        double usMedianish = total / 1000.0 / (snapshots / rounds * rounds);
        double usBest = best / 1000.0 / (snapshots / rounds);
        // counted, not assumed: the power limit is re-read once a minute, a field a GPU refused is not asked again
        double callsPerSnapshot = (double) (calls(nvml) - calls0) / (snapshots / rounds * rounds);
        out.println();
        out.printf("full snapshot of %d GPU(s), %.1f NVML calls: %.1f us mean, %.1f us best round (%.2f us per call)%n",
                devices, callsPerSnapshot, usMedianish, usBest, usBest / callsPerSnapshot);
        if (devices != 8) out.printf("  scaled to 8 GPUs: %.1f us%n", usBest / devices * 8);
        out.println("  goal: <= 20 us per 8-GPU snapshot");
        out.println("  reference (performance-facts, 8 GPUs, 33 calls): interface mapping + reused structures ~20 us;"
                + " direct mapping + primitive arrays 5-11 us; new Structure per call 130-200 us");

        // the recorder's cost per tick: one snapshot plus its audit lines, on the recorder's own thread
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Path audit = work.resolve("nvml-audit.jsonl");
        try (AuditWriter writer = AuditWriter.open(audit, HostName.local())) {
            for (int i = 0; i < 2_000; i++) writer.write(sampler.sample());
            int ticks = 5_000;
            long c0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < ticks; i++) writer.write(sampler.sample());
            long cpuPerTickNs = (threads.getCurrentThreadCpuTime() - c0) / ticks;
            out.println();
            out.printf("recorder tick (snapshot + %d audit lines written): %.1f us CPU%n", devices, cpuPerTickNs / 1000.0);
            out.printf("  at 1 Hz: %.2f s CPU per hour = %.4f%% of one core (goal <= 0.1%% = 3.6 s per hour)%n",
                    cpuPerTickNs * 3600 / 1e9, cpuPerTickNs / 1e9 * 100);
        }

        // a real 1 Hz recorder in this process, whole-process CPU (includes GC and JIT threads)
        if (seconds > 0) {
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            Path audit2 = work.resolve("nvml-audit-1hz.jsonl");
            Recorder recorder = new Recorder(new NvmlSampler(nvml), AuditWriter.open(audit2, HostName.local()), Duration.ofSeconds(1));
            long p0, w0;
            double idleCpu;
            try {
                // the same JVM doing nothing for as long: its own housekeeping threads are not the recorder's cost
                long i0 = os.getProcessCpuTime();
                long iw = System.nanoTime();
                Thread.sleep(seconds * 1000L);
                idleCpu = (os.getProcessCpuTime() - i0) / 1e9 / ((System.nanoTime() - iw) / 1e9);
                recorder.start(null);
                Thread.sleep(3_000); // let the JIT settle: the figure is for a long-running tracker
                p0 = os.getProcessCpuTime();
                w0 = System.nanoTime();
                Thread.sleep(seconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            double cpu = (os.getProcessCpuTime() - p0) / 1e9;
            double wall = (System.nanoTime() - w0) / 1e9;
            recorder.stop("benchmark done");
            out.printf("%nrecorder at 1 Hz, %.1f s after a 3 s settle (whole JVM, incl. GC/JIT threads): %.3f s CPU = %.2f s per hour = %.4f%% of one core%n",
                    wall, cpu, cpu / wall * 3600, cpu / wall * 100);
            out.printf("  the same JVM idle for as long: %.2f s per hour; recorder's share: %.2f s per hour = %.4f%% of one core"
                            + " (process CPU clock has 10 ms steps)%n",
                    idleCpu * 3600, (cpu / wall - idleCpu) * 3600, (cpu / wall - idleCpu) * 100);
        }
        sampler.close();
        deleteQuietly(work);
    }

    private static long calls(Nvml nvml) {
        long sum = 0;
        for (NvmlDevice d : nvml.devices()) sum += d.calls();
        return sum;
    }

    private static void deleteQuietly(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }
}
