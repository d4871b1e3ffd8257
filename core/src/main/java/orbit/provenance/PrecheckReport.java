package orbit.provenance;

import com.fasterxml.jackson.annotation.JsonProperty;
import orbit.OrbitException;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * artifacts/precheck.json (schema orbit.precheck.v1), written on the execution host by the precheck
 * script (resource /orbit/provenance/precheck.py, copied to scripts/precheck.py); read back here.
 */
public record PrecheckReport(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("ok") boolean ok,
        @JsonProperty("python") Python python,
        @JsonProperty("deps") List<Dep> deps,
        @JsonProperty("fork") Fork fork,
        @JsonProperty("reference") Reference reference,
        @JsonProperty("checked_at") String checkedAt) {

    public static final String SCHEMA = "orbit.precheck.v1";
    public static final String FILE = "precheck.json";

    public record Python(@JsonProperty("path") String path, @JsonProperty("version") String version) {}

    public record Dep(@JsonProperty("name") String name, @JsonProperty("ok") boolean ok, @JsonProperty("version") String version,
                      @JsonProperty("path") String path, @JsonProperty("files_sha256") String filesSha256,
                      @JsonProperty("error") String error) {}

    public record Fork(@JsonProperty("module") String module, @JsonProperty("expected_path") String expectedPath,
                       @JsonProperty("resolved_path") String resolvedPath, @JsonProperty("manifest") Object manifest,
                       @JsonProperty("ok") boolean ok, @JsonProperty("mismatches") List<String> mismatches) {}

    /** A clone's dependencies compared with the run it re-runs (null when job.json names no reference). */
    public record Reference(@JsonProperty("source") String source, @JsonProperty("same") boolean same,
                            @JsonProperty("differences") List<String> differences, @JsonProperty("deps") List<ReferenceDep> deps) {}

    public record ReferenceDep(@JsonProperty("name") String name, @JsonProperty("same") boolean same,
                               @JsonProperty("version") String version, @JsonProperty("reference_version") String referenceVersion,
                               @JsonProperty("files_sha256") String filesSha256,
                               @JsonProperty("reference_files_sha256") String referenceFilesSha256,
                               @JsonProperty("path") String path, @JsonProperty("reference_path") String referencePath) {}

    public static Optional<PrecheckReport> read(Path artifactsDir) {
        Path file = artifactsDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(file), PrecheckReport.class));
        } catch (IOException e) {
            throw new OrbitException("artifacts/" + FILE + " is unreadable: inspect " + file);
        }
    }
}
