package orbit.magics;

import orbit.OrbitException;
import orbit.nvml.GpuSampler;
import orbit.nvml.GpuSamplers;
import orbit.nvml.GpuStatus;
import orbit.nvml.Interval;
import orbit.nvml.NvmlBench;
import orbit.nvml.RecorderMain;
import orbit.nvml.SimulatedSampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** `orbit nvml` / `%nvml`: a live table of every GPU; `record` writes the audit; `bench` measures the binding. */
@Command(name = "nvml", description = "Show all GPUs (NVML); --watch refreshes one table in place.",
        mixinStandardHelpOptions = true,
        subcommands = {NvmlCommand.Record.class, NvmlCommand.Bench.class})
public final class NvmlCommand extends Subcommand implements Callable<Integer> {
    @Option(names = "--watch", paramLabel = "INTERVAL", description = "Refresh every INTERVAL (1s, 500ms; at least 100ms).")
    String watch;

    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N tables (default: until interrupted).")
    Integer count;

    @Option(names = "--simulate", paramLabel = "N", description = "Show N simulated GPUs (labelled SIMULATED), no driver needed.")
    Integer simulate;

    @Override
    public Integer call() throws InterruptedException {
        if (count != null && watch == null) throw new OrbitException("--count needs --watch INTERVAL, e.g. --watch 1s --count 10");
        if (count != null && count < 1) throw new OrbitException("--count takes a positive number");
        Duration interval = watch == null ? null : Interval.parse(watch);
        try (GpuSampler sampler = simulate != null ? new SimulatedSampler(simulate) : GpuSamplers.nvml()) {
            GpuStatus first = GpuStatus.of(sampler, sampler.sample());
            if (interval == null) {
                console().display(first);
                return Commands.OK;
            }
            Console.Display display = console().displayUpdatable(first);
            long next = System.nanoTime();
            for (int shown = 1; count == null || shown < count; shown++) {
                next += interval.toNanos();
                long wait = next - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                if (console().interrupted()) break;
                display.update(GpuStatus.of(sampler, sampler.sample()));
            }
            return Commands.OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Commands.OK; // the user stopped watching: not a failure
        }
    }

    @Command(name = "record", mixinStandardHelpOptions = true,
            description = "Record the GPU audit (orbit.nvml_audit.v1 JSON lines) until stopped or --count samples.")
    static final class Record extends Subcommand implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Audit file (appended to), e.g. BUNDLE/artifacts/nvml-audit.jsonl.")
        Path out;

        @Option(names = "--interval", defaultValue = "1s", paramLabel = "INTERVAL", description = "Sampling interval (default 1s, at least 100ms).")
        String interval;

        @Option(names = "--simulate", paramLabel = "N", description = "Record N simulated GPUs (every line says source: simulated).")
        Integer simulate;

        @Option(names = "--simulate-if-no-gpu", paramLabel = "N", description = "Use NVML if the driver is there, else N simulated GPUs.")
        Integer simulateIfNoGpu;

        @Option(names = "--count", paramLabel = "N", description = "Stop after N samples (default: until interrupted or SIGTERM).")
        Integer count;

        @Override
        public Integer call() {
            List<String> args = new ArrayList<>(List.of("--out", out.toString(), "--interval", interval));
            if (simulate != null) args.addAll(List.of("--simulate", simulate.toString()));
            if (simulateIfNoGpu != null) args.addAll(List.of("--simulate-if-no-gpu", simulateIfNoGpu.toString()));
            if (count != null) args.addAll(List.of("--count", count.toString()));
            int code = RecorderMain.run(args.toArray(String[]::new));
            console().out().println("recorded to " + out);
            return code;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Microseconds per snapshot of all GPUs through JNA, and the recorder's CPU per hour at 1 Hz.")
    static final class Bench extends Subcommand implements Callable<Integer> {
        @Option(names = "--library", paramLabel = "PATH", description = "NVML library to load (default: the driver, else a stand-in built with gcc).")
        String library;

        @Option(names = "--gpus", defaultValue = "8", description = "GPUs of the stand-in (default 8).")
        int gpus;

        @Option(names = "--seconds", defaultValue = "10", description = "Length of the 1 Hz recorder run (default 10).")
        int seconds;

        @Override
        public Integer call() {
            List<String> args = new ArrayList<>(List.of("--gpus", String.valueOf(gpus), "--seconds", String.valueOf(seconds)));
            if (library != null) args.addAll(List.of("--library", library));
            NvmlBench.run(args.toArray(String[]::new), console().out());
            return Commands.OK;
        }
    }
}
