package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import orbit.bundle.Json;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads ms-swift's logging.jsonl (beside the checkpoint-* directories). Rows are told apart by `kind`:
 * train, eval, end (the end-of-training line with train_runtime) and summary (the final line with
 * last_model_checkpoint). ms-swift's text fields become numbers:
 * <ul>
 * <li>"global_step/max_steps": "100/438" → step, max_steps</li>
 * <li>"percentage": "22.83%" → percentage 22.83 (ms-swift 4.x no longer writes it)</li>
 * <li>"elapsed_time"/"remaining_time": "1h 2m 3s" → elapsed_s, remaining_s</li>
 * <li>"train_speed(iter/s)" (3.x) and "train_speed(s/it)" (3.12.5+, 4.x) → s_per_it, the unit logged in train_speed_unit</li>
 * <li>"memory(GiB)" → memory_peak_gib: ms-swift logs the running peak of reserved memory, not the current use</li>
 * </ul>
 * Any other key (loss, grad_norm, token_acc, rewards/...) is kept as its own column.
 */
public final class SwiftMetricsLoader {
    /** The columns every metrics table has, in this order; other keys follow as they appear. */
    static TableBuilder columns() {
        return new TableBuilder()
                .declare("kind", TableBuilder.Kind.STRING)
                .declare("step", TableBuilder.Kind.INT)
                .declare("max_steps", TableBuilder.Kind.INT)
                .declare("epoch", TableBuilder.Kind.DOUBLE)
                .declare("loss", TableBuilder.Kind.DOUBLE)
                .declare("eval_loss", TableBuilder.Kind.DOUBLE)
                .declare("learning_rate", TableBuilder.Kind.DOUBLE)
                .declare("grad_norm", TableBuilder.Kind.DOUBLE)
                .declare("memory_peak_gib", TableBuilder.Kind.DOUBLE)
                .declare("s_per_it", TableBuilder.Kind.DOUBLE)
                .declare("train_speed_unit", TableBuilder.Kind.STRING)
                .declare("percentage", TableBuilder.Kind.DOUBLE)
                .declare("elapsed_s", TableBuilder.Kind.DOUBLE)
                .declare("remaining_s", TableBuilder.Kind.DOUBLE);
    }

    private SwiftMetricsLoader() {}

    /** Reads one logging.jsonl; {@code swiftVersion} (from precheck.json, may be null) decides ambiguous fields. */
    public static Loaded load(Path file, String swiftVersion) {
        TableBuilder rows = columns();
        LoadReport.Builder report = LoadReport.builder(file);
        if (swiftVersion != null) report.warn("read as ms-swift " + swiftVersion + " (version recorded by the precheck)");
        read(file, swiftVersion, rows, report, null);
        report.rows = rows.rows();
        return new Loaded(rows.build("metrics"), report.build());
    }

    /** Appends the rows of one file to {@code rows}; {@code extra} (may be null) adds fixed columns, e.g. run. */
    static void read(Path file, String swiftVersion, TableBuilder rows, LoadReport.Builder report, Map<String, Object> extra) {
        boolean v4 = swiftVersion != null && Versions.atLeast(swiftVersion, "4");
        try (InputStream in = Files.newInputStream(file)) {
            new LineSplitter((buf, off, len, lineNo, byteOffset, last) -> {
                report.lines = lineNo;
                if (LineSplitter.blank(buf, off, len)) return;
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(buf, off, len);
                } catch (IOException e) {
                    node = null;
                }
                if (node == null || !node.isObject()) {
                    if (last) report.truncated = new LoadReport.Truncation(lineNo, byteOffset, len);
                    else report.corrupt(lineNo);
                    return;
                }
                rows.beginRow();
                if (extra != null) extra.forEach(rows::set);
                row(node, rows, swiftVersion, report);
                rows.endRow();
                if (v4 && node.has("percentage")) report.warn("percentage present though ms-swift 4.x does not write it: check the version in precheck.json");
            }).run(in);
        } catch (NoSuchFileException e) {
            throw new OrbitException("no ms-swift logging.jsonl at " + file + ": the run has not logged a step yet, or the bundle was not pulled (`orbit launch pull NAME`)");
        } catch (IOException e) {
            report.warn("read stopped early: " + e.getMessage());
        }
    }

    static String kind(JsonNode n) {
        if (n.has("last_model_checkpoint") || n.has("best_model_checkpoint")) return "summary";
        if (n.has("train_runtime")) return "end";
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith("eval_")) return "eval";
        }
        return "train";
    }

    private static void row(JsonNode n, TableBuilder rows, String swiftVersion, LoadReport.Builder report) {
        rows.set("kind", kind(n));
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String k = f.getKey();
            JsonNode v = f.getValue();
            switch (k) {
                case "global_step/max_steps" -> {
                    String s = v.asText();
                    int slash = s.indexOf('/');
                    if (slash > 0) {
                        rows.set("step", Units.number(s.substring(0, slash)));
                        rows.set("max_steps", Units.number(s.substring(slash + 1)));
                    } else {
                        rows.set("step", Units.number(s));
                    }
                }
                case "global_step", "step" -> rows.set("step", JsonValues.scalar(v));
                case "percentage" -> rows.set("percentage", Units.number(v.asText()));
                case "elapsed_time" -> rows.set("elapsed_s", Units.seconds(v.asText()));
                case "remaining_time" -> rows.set("remaining_s", Units.seconds(v.asText()));
                case "memory(GiB)" -> rows.set("memory_peak_gib", number(v));
                case "train_speed(iter/s)" -> speed(rows, number(v), "iter/s");
                case "train_speed(s/it)" -> speed(rows, number(v), "s/it");
                case "train_speed" -> {
                    // no unit in the key: ms-swift 3.12.5 switched the logged speed to s/it
                    String unit = swiftVersion != null && Versions.atLeast(swiftVersion, "3.12.5") ? "s/it" : "iter/s";
                    report.warn("train_speed without a unit read as " + unit + (swiftVersion == null ? " (no ms-swift version in precheck.json)" : " (ms-swift " + swiftVersion + ")"));
                    speed(rows, number(v), unit);
                }
                case "log_history" -> rows.set("log_history_entries", v.isArray() ? (Object) (long) v.size() : null);
                default -> rows.set(k, JsonValues.scalar(v));
            }
        }
    }

    private static Double number(JsonNode v) {
        if (v == null || v.isNull()) return null;
        return v.isNumber() ? v.doubleValue() : Units.number(v.asText());
    }

    private static void speed(TableBuilder rows, Double value, String unit) {
        rows.set("train_speed_unit", unit);
        if (value == null) return;
        rows.set("s_per_it", unit.equals("iter/s") ? (value == 0 ? null : 1.0 / value) : value);
    }
}
