package orbit.bundle;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * inputs/.orbit-index.json: every staged file's path (relative to inputs/), size and sha256,
 * plus the digests of files that --replace displaced, so a changed dataset never goes unnoticed.
 */
@JsonPropertyOrder({"schema_version", "files", "history"})
public record InputsIndex(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("files") Map<String, Entry> files,
        @JsonProperty("history") List<Replaced> history) {

    public static final String SCHEMA = "orbit.inputs.v1";
    public static final String FILE = ".orbit-index.json";

    public InputsIndex {
        files = files == null ? new TreeMap<>() : new TreeMap<>(files);
        history = history == null ? List.of() : List.copyOf(history);
    }

    public static InputsIndex empty() {
        return new InputsIndex(SCHEMA, new TreeMap<>(), List.of());
    }

    @JsonPropertyOrder({"size", "sha256", "staged_at", "source"})
    public record Entry(
            @JsonProperty("size") long size,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("staged_at") String stagedAt,
            @JsonProperty("source") String source) {}

    @JsonPropertyOrder({"path", "size", "sha256", "staged_at", "replaced_at"})
    public record Replaced(
            @JsonProperty("path") String path,
            @JsonProperty("size") long size,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("staged_at") String stagedAt,
            @JsonProperty("replaced_at") String replacedAt) {}
}
