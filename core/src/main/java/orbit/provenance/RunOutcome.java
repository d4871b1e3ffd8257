package orbit.provenance;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import orbit.artifacts.AuditLoader;
import orbit.artifacts.SwiftMetricsLoader;
import orbit.artifacts.TrainerStateLoader;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * How one run ended, for a side-by-side comparison: its final state, the last training step and loss from its
 * metrics, and the peak GPU memory in its audit (the largest mem_used_mib of any GPU). Null where the run left
 * no such evidence.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"run_id", "state", "last_step", "last_loss", "peak_gpu_mem_mib"})
public record RunOutcome(@JsonProperty("run_id") String runId, @JsonProperty("state") String state,
                         @JsonProperty("last_step") Integer lastStep, @JsonProperty("last_loss") Double lastLoss,
                         @JsonProperty("peak_gpu_mem_mib") Integer peakGpuMemMib) {

    public static RunOutcome of(RunRef ref) {
        String state = ref.lastRun().map(r -> r.state().wire()).orElse(ref.runId() == null ? "never_run" : "unknown");
        Integer step = null;
        Double loss = null;
        Table metrics = metrics(ref);
        if (metrics != null && metrics.containsColumn("step") && metrics.containsColumn("loss")) {
            IntColumn s = metrics.intColumn("step");
            DoubleColumn l = metrics.doubleColumn("loss");
            for (int i = 0; i < metrics.rowCount(); i++) {
                if (!s.isMissing(i)) step = step == null ? s.get(i) : Math.max(step, s.get(i));
                if (!l.isMissing(i)) loss = l.get(i);
            }
        }
        return new RunOutcome(ref.runId(), state, step, loss, peakGpuMemory(ref.artifactsDir().resolve("nvml-audit.jsonl")));
    }

    /** The ms-swift logging.jsonl files under checkpoints/ (the newest last), else the newest trainer_state.json. */
    private static Table metrics(RunRef ref) {
        Path artifacts = ref.artifactsDir();
        try {
            List<Path> logs = find(artifacts.resolve("checkpoints"), 2, "logging.jsonl");
            if (logs.isEmpty()) logs = find(artifacts, 1, "logging.jsonl");
            String swift = ref.precheck().flatMap(p -> p.deps().stream().filter(d -> d.name().equals("swift")).findFirst())
                    .map(PrecheckReport.Dep::version).orElse(null);
            if (!logs.isEmpty()) {
                Table all = null;
                for (Path log : logs) {
                    Table t = SwiftMetricsLoader.load(log, swift).table();
                    all = all == null ? t : all.append(t);
                }
                return all;
            }
            List<Path> states = find(artifacts, 4, "trainer_state.json");
            return states.isEmpty() ? null : TrainerStateLoader.load(states.get(states.size() - 1)).table();
        } catch (RuntimeException e) {
            return null; // unreadable metrics are an absent fact here; the loaders report them in full
        }
    }

    private static Integer peakGpuMemory(Path audit) {
        if (!Files.isRegularFile(audit)) return null;
        try {
            Table samples = AuditLoader.load(audit).samples();
            if (!samples.containsColumn("mem_used_mib") || samples.rowCount() == 0) return null;
            IntColumn used = samples.intColumn("mem_used_mib");
            return used.countMissing() == used.size() ? null : (int) used.max();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static List<Path> find(Path dir, int depth, String name) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir, depth)) {
            // archived runs live under runs/: they are other runs, not this one
            return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().equals(name))
                    .filter(p -> !dir.relativize(p).startsWith("runs"))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
