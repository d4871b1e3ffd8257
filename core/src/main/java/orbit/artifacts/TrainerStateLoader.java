package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads a Hugging Face trainer_state.json: its log_history becomes rows with the same `kind` values as
 * ms-swift metrics (train, eval, end); slash-namespaced keys (rewards/accuracy) are kept as they are.
 * max_steps comes from the state itself.
 */
public final class TrainerStateLoader {
    private TrainerStateLoader() {}

    public static Loaded load(Path file) {
        LoadReport.Builder report = LoadReport.builder(file);
        TableBuilder rows = SwiftMetricsLoader.columns();
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new OrbitException("no trainer_state.json at " + file + ": it is written with each checkpoint; check the path");
        } catch (IOException e) {
            report.warn("not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + "): a checkpoint cut off mid-write?");
            return new Loaded(rows.build("metrics"), report.build());
        }
        JsonNode history = root == null ? null : root.get("log_history");
        if (history == null || !history.isArray()) {
            report.warn("no log_history array");
            return new Loaded(rows.build("metrics"), report.build());
        }
        JsonNode maxSteps = root.get("max_steps");
        for (JsonNode e : history) {
            report.lines++;
            if (!e.isObject()) {
                report.corrupt(report.lines);
                continue;
            }
            rows.beginRow();
            rows.set("kind", SwiftMetricsLoader.kind(e));
            if (maxSteps != null && maxSteps.isNumber()) rows.set("max_steps", maxSteps.longValue());
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                rows.set(f.getKey(), JsonValues.scalar(f.getValue()));
            }
            rows.endRow();
        }
        report.rows = rows.rows();
        return new Loaded(rows.build("metrics"), report.build());
    }
}
