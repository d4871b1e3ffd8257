package orbit.magics;

import orbit.bundle.Bundle;
import orbit.launch.LaunchOptions;
import orbit.launch.ScriptGenerator;
import orbit.nvml.AuditSchema;
import orbit.nvml.AuditWriter;
import orbit.nvml.ClockReasons;
import orbit.nvml.GpuEvent;
import orbit.nvml.GpuSample;
import orbit.nvml.GpuSnapshot;
import orbit.nvml.HostMemory;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Run once by install/setup under {@code -XX:ArchiveClassesAtExit}: it walks the path of `orbit bundle new` and of
 * `orbit launch` up to the start (the verbs' grammar, job.json read and written, the launch scripts generated) and of
 * `orbit artifacts audit` (a small audit in the recorder's own line shape loaded and shown: the loader's, Jackson's
 * and Tablesaw's classes), so the archive holds those classes already parsed and verified and the installed
 * launcher's JVM starts from it. It works in a temporary directory that it removes, and starts no run.
 */
public final class ClassArchiveWarmUp {
    private ClassArchiveWarmUp() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("orbit-class-archive-");
        Console quiet = new TerminalConsole(new PrintWriter(Writer.nullWriter()), new PrintWriter(Writer.nullWriter()));
        try {
            String root = dir.resolve("bundles").toString();
            Commands.run(quiet, List.of("--root", root, "bundle", "new", "warm-up", "--python", "python3", "--", "python3", "-c", "pass"));
            Commands.run(quiet, List.of("--root", root, "launch", "status", "warm-up"));
            Commands.run(quiet, List.of("--root", root, "bundle", "list"));
            Bundle b = Bundle.open(dir.resolve("bundles").resolve("warm-up"));
            ScriptGenerator.generate(b, new ScriptGenerator.Plan("00000000T000000Z-0000", "local", LaunchOptions.defaults()));
            Path audit = dir.resolve("nvml-audit.jsonl");
            writeAudit(audit);
            Commands.run(quiet, List.of("artifacts", "audit", audit.toString()));
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * A minute of two GPUs written by the recorder's own writer, with an event: a few hundred lines take the
     * loader's plain-line path and its Jackson path for events, which is all the classes a day-long audit needs.
     */
    static void writeAudit(Path file) {
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        try (AuditWriter w = AuditWriter.open(file, "warm-up")) {
            w.write(new GpuEvent(start, GpuEvent.SAMPLER_START, null, "nvml", null, Map.of("schema_version", AuditSchema.NAME, "interval_ms", 1000)));
            for (int s = 0; s < 60; s++) {
                List<GpuSample> gpus = new ArrayList<>();
                for (int g = 0; g < 2; g++) {
                    long reasons = s % 20 == 0 ? 4 : 0;
                    gpus.add(new GpuSample(g, "GPU-00000000-0000-0000-0000-00000000000" + g, "NVIDIA H100 80GB HBM3",
                            String.format(Locale.ROOT, "00000000:%02X:00.0", 0x18 + g), 90, 45, 60000L + s, 81559L, 21559L - s,
                            65, 612.5, 700.0, 1000.0 * s, 1980, 2619, 1980, reasons, ClockReasons.names(reasons), 0L, 0L, 1000L,
                            2000L, 0L, "P0", List.of(new GpuSample.GpuProcess(4123 + g, 59500L)), "nvml", Map.of()));
                }
                w.write(new GpuSnapshot(start.plusSeconds(s), "nvml", gpus), new HostMemory(2_063_601L, 1_700_000L - s));
            }
        }
    }
}
