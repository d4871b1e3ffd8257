package orbit.upstream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * artifacts/upstream/NAME/RUN_ID/orbit-manifest.json (orbit.blackbox_run.v1): the thin record ORBIT keeps beside
 * an upstream's raw output — what ran (name, source, commit, command), that its tree was clean before and after,
 * when, how it ended, and the sha256 and size of every raw file. ORBIT adds nothing else to the run's directory
 * except the process's stdout and stderr.
 */
@JsonPropertyOrder({"schema_version", "run_id", "mode", "name", "source", "commit", "command", "checkout", "tree_clean_before",
        "tree_clean_after", "started_at", "ended_at", "exit_code", "stdout", "stderr", "artifacts", "restored", "left_in_checkout"})
public record BlackboxManifest(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("run_id") String runId,
        @JsonProperty("mode") String mode,
        @JsonProperty("name") String name,
        @JsonProperty("source") String source,
        @JsonProperty("commit") String commit,
        @JsonProperty("command") List<String> command,
        @JsonProperty("checkout") String checkout,
        @JsonProperty("tree_clean_before") boolean treeCleanBefore,
        @JsonProperty("tree_clean_after") boolean treeCleanAfter,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("ended_at") String endedAt,
        @JsonProperty("exit_code") Integer exitCode,
        @JsonProperty("stdout") String stdout,
        @JsonProperty("stderr") String stderr,
        @JsonProperty("artifacts") List<Artifact> artifacts,
        @JsonProperty("restored") List<String> restored,
        @JsonProperty("left_in_checkout") List<String> leftInCheckout) {

    public static final String SCHEMA = "orbit.blackbox_run.v1";
    public static final String FILE = "orbit-manifest.json";
    public static final String STDOUT = "orbit-stdout.log";
    public static final String STDERR = "orbit-stderr.log";

    /**
     * One raw file, relative to the run's directory. {@code origin}: created, modified (a tracked file the run
     * changed; the pinned version was restored in the checkout), ignored (created or changed, matched by the
     * upstream's .gitignore), stdout or stderr. A symlink has {@code link} instead of size and sha256.
     */
    @JsonPropertyOrder({"path", "origin", "size", "sha256", "link"})
    public record Artifact(@JsonProperty("path") String path, @JsonProperty("origin") String origin, @JsonProperty("size") Long size,
                           @JsonProperty("sha256") String sha256, @JsonProperty("link") String link) {}

    public void write(Path runDir) {
        AtomicFile.writeJson(runDir.resolve(FILE), this);
    }

    public static BlackboxManifest read(Path runDir) {
        try {
            return Json.MAPPER.readValue(runDir.resolve(FILE).toFile(), BlackboxManifest.class);
        } catch (IOException e) {
            throw new OrbitException(runDir.resolve(FILE) + " is unreadable: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
