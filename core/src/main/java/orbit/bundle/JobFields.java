package orbit.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import orbit.Spelling;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of each job.json schema version and their JSON types: what the strict reader accepts, in step with the
 * published JSON Schema (orbit/schemas/orbit.job.v1.schema.json, which a test compares with this). A file is read by
 * the rules of the version it declares, so a bundle written by an older ORBIT stays readable after fields are added.
 * Values (ranges, patterns, agreement between fields) are {@link JobSpecValidator}'s.
 */
public final class JobFields {
    /** A JSON shape: a string, a whole number, an object with known fields, a list, or a map of string values. */
    public sealed interface Shape permits Text, Whole, Obj, ListOf, MapOf {}

    public record Text() implements Shape {}

    public record Whole() implements Shape {}

    /** An object whose keys are exactly those listed; fields other than {@code required} may be absent or null. */
    public record Obj(Map<String, Shape> fields, List<String> required) implements Shape {}

    public record ListOf(Shape item) implements Shape {}

    public record MapOf(Shape value) implements Shape {}

    private static final Shape TEXT = new Text();
    private static final Shape WHOLE = new Whole();
    private static final Shape TEXTS = new ListOf(TEXT);

    /** orbit.job.v1. Fields are only ever added to a version, never removed or retyped. */
    public static final Obj V1 = obj(List.of("schema_version", "name", "entrypoint"),
            "schema_version", TEXT,
            "name", TEXT,
            "resources", obj(List.of(),
                    "gpus", WHOLE, "gpu_type", TEXT, "nodes", WHOLE, "gpus_per_node", WHOLE, "tasks_per_node", WHOLE,
                    "cpus", WHOLE, "memory", TEXT, "disk", TEXT, "max_runtime", TEXT),
            "entrypoint", obj(List.of("argv"),
                    "argv", TEXTS, "workdir", TEXT, "env", new MapOf(TEXT), "secret_env", TEXTS),
            "python", TEXT,
            "critical_deps", TEXTS,
            "fork", obj(List.of("module", "path"), "module", TEXT, "path", TEXT),
            "upstream", new ListOf(obj(List.of("name", "source", "commit"),
                    "name", TEXT, "source", TEXT, "commit", TEXT, "command", TEXTS)),
            "reference", obj(List.of("source"),
                    "source", TEXT, "deps", new ListOf(obj(List.of("name"),
                            "name", TEXT, "version", TEXT, "path", TEXT, "files_sha256", TEXT))),
            "created_at", TEXT,
            "orbit_version", TEXT);

    /** Every schema version this ORBIT reads, with its fields. */
    public static final Map<String, Obj> BY_VERSION = Map.of(JobSpec.SCHEMA, V1);

    private JobFields() {}

    /** Refuses, in one line naming the field, any key the declared version does not know and any value of the wrong type. */
    static void check(JsonNode tree) {
        if (!tree.isObject()) {
            throw new OrbitException("job.json: the top level must be a JSON object: recreate it with `orbit bundle new`");
        }
        JsonNode version = tree.get("schema_version");
        Obj shape = version != null && version.isTextual() ? BY_VERSION.get(version.asText()) : null;
        if (shape == null) {
            throw new OrbitException("job.json: schema_version = " + version + ": unknown schema; this ORBIT reads \""
                    + String.join("\", \"", BY_VERSION.keySet()) + "\"");
        }
        walk(tree, shape, "");
    }

    private static void walk(JsonNode node, Shape shape, String path) {
        if (shape instanceof Text) {
            if (!node.isTextual()) fail(path, node, "must be a string");
        } else if (shape instanceof Whole) {
            if (!node.isNumber() || !node.canConvertToExactIntegral()) fail(path, node, "must be a whole number");
            if (!node.canConvertToInt()) fail(path, node, "is too large");
        } else if (shape instanceof ListOf l) {
            if (!node.isArray()) fail(path, node, "must be a list");
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                if (item.isNull()) fail(path + "[" + i + "]", item, "must not be null");
                walk(item, l.item(), path + "[" + i + "]");
            }
        } else if (shape instanceof MapOf m) {
            if (!node.isObject()) fail(path, node, "must be an object");
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isNull()) fail(path + "." + e.getKey(), e.getValue(), "must not be null");
                walk(e.getValue(), m.value(), path + "." + e.getKey());
            }
        } else if (shape instanceof Obj o) {
            if (!node.isObject()) fail(path.isEmpty() ? "(top level)" : path, node, "must be an object");
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                String at = path.isEmpty() ? key : path + "." + key;
                Shape child = o.fields().get(key);
                if (child == null) throw new OrbitException("job.json: " + unknown(o, path, key));
                if (e.getValue().isNull()) {
                    if (o.required().contains(key)) fail(at, e.getValue(), "is required");
                    continue;
                }
                walk(e.getValue(), child, at);
            }
        }
    }

    /** "resources.gpu: unknown field; did you mean resources.gpus?" or, with nothing close, the fields it may be. */
    static String unknown(Obj o, String path, String key) {
        String prefix = path.isEmpty() ? "" : path + ".";
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : o.fields().keySet()) {
            int d = Spelling.distance(key.toLowerCase(java.util.Locale.ROOT), known);
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        String shown = key.length() > 60 ? key.substring(0, 60) + "…" : key;
        if (best != null && bestDistance <= Math.max(2, key.length() / 3)) {
            return prefix + shown + ": unknown field; did you mean " + prefix + best + "?";
        }
        return prefix + shown + ": unknown field; the fields here are " + String.join(", ", o.fields().keySet());
    }

    private static Obj obj(List<String> required, Object... pairs) {
        Map<String, Shape> fields = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) fields.put((String) pairs[i], (Shape) pairs[i + 1]);
        return new Obj(java.util.Collections.unmodifiableMap(fields), List.copyOf(new ArrayList<>(required)));
    }

    private static void fail(String field, JsonNode value, String fix) {
        String v = value.toString();
        if (v.length() > 60) v = v.substring(0, 60) + "…";
        throw new OrbitException("job.json: " + field + " = " + v + ": " + fix);
    }
}
