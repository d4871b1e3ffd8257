package orbit.launch;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.bundle.Bundle;
import orbit.bundle.Json;
import orbit.display.MimeBundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * How far a run has come: its state plus the newest training row of its metrics
 * (artifacts/checkpoints/*&#47;logging.jsonl, "global_step/max_steps" and loss). Shown as a progress bar.
 */
public record RunProgress(String bundleName, String runId, RunState state, Integer step, Integer maxSteps, Double loss)
        implements MimeBundle {
    /** Reads the bundle's files now; cheap enough to call a few times a second (reads only the tail of the log). */
    public static RunProgress of(Bundle bundle, RunStatus status) {
        Integer step = null;
        Integer max = null;
        Double loss = null;
        Optional<JsonNode> row = newestTrainRow(bundle.artifactsDir().resolve("checkpoints"));
        if (row.isPresent()) {
            String[] sm = row.get().get("global_step/max_steps").asText().split("/");
            try {
                step = Integer.parseInt(sm[0].strip());
                max = sm.length > 1 ? Integer.parseInt(sm[1].strip()) : null;
            } catch (NumberFormatException ignored) {
                // a row from a trainer that writes something else there: no step to show
            }
            JsonNode l = row.get().get("loss");
            loss = l != null && l.isNumber() ? l.doubleValue() : null;
        }
        return new RunProgress(status.bundleName(), status.run().runId(), status.state(), step, max, loss);
    }

    public int percent() {
        if (state == RunState.SUCCEEDED) return 100;
        if (step == null || maxSteps == null || maxSteps <= 0) return 0;
        return Math.min(100, (int) (100L * step / maxSteps));
    }

    public String line() {
        StringBuilder sb = new StringBuilder(bundleName).append(' ').append(state.wire());
        if (step != null) sb.append(": step ").append(step).append(maxSteps == null ? "" : "/" + maxSteps).append(" (").append(percent()).append("%)");
        if (loss != null) sb.append(String.format(java.util.Locale.ROOT, ", loss %.4g", loss));
        return sb.toString();
    }

    @Override
    public String toString() {
        return line();
    }

    @Override
    public Map<String, String> mimeBundle() {
        int pct = percent();
        String colour = switch (state) {
            case FAILED, PRECHECK_FAILED, LOST, CANCELLED, TIMEOUT -> "#c0392b";
            case SUCCEEDED -> "#2e8b57";
            default -> "#3b7dd8";
        };
        String html = "<div class=\"orbit-progress\" style=\"font-family:monospace\">"
                + "<div style=\"width:420px;border:1px solid #999;border-radius:3px\">"
                + "<div style=\"width:" + Math.max(pct, 2) + "%;background:" + colour + ";height:14px\"></div></div>"
                + orbit.display.TableHtml.escape(line()) + "</div>";
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", line());
        m.put("text/html", html);
        return m;
    }

    private static Optional<JsonNode> newestTrainRow(Path checkpoints) {
        if (!Files.isDirectory(checkpoints)) return Optional.empty();
        Optional<Path> log;
        try (Stream<Path> runs = Files.list(checkpoints)) {
            log = runs.map(d -> d.resolve("logging.jsonl")).filter(Files::isRegularFile)
                    .max(Comparator.comparing(p -> p.getParent().getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
        if (log.isEmpty()) return Optional.empty();
        List<String> lines = LogTail.lastLines(log.get(), 50);
        for (int i = lines.size() - 1; i >= 0; i--) {
            try {
                JsonNode n = Json.MAPPER.readTree(lines.get(i));
                if (n != null && n.has("global_step/max_steps") && n.has("loss")) return Optional.of(n);
            } catch (IOException partialOrCorrupt) {
                // the line being written right now: look at the one before
            }
        }
        return Optional.empty();
    }
}
