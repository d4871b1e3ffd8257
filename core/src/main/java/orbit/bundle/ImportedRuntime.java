package orbit.bundle;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * runtime/imported.json (orbit.imported.v1): written by an import, it says that the runtime state beside it
 * came from another machine. Such state is evidence to read, never a process to signal: the pids in it belong
 * to that machine. A later launch archives this file with the rest of runtime/, so only the imported runs carry it.
 *
 * @param runIds the run ids found in the archive's runtime/ (last_run.json and runs/ID)
 */
@JsonPropertyOrder({"schema_version", "imported_at", "archive", "run_ids"})
public record ImportedRuntime(@JsonProperty("schema_version") String schemaVersion,
                              @JsonProperty("imported_at") String importedAt,
                              @JsonProperty("archive") String archive,
                              @JsonProperty("run_ids") List<String> runIds) {
    public static final String SCHEMA = "orbit.imported.v1";
    public static final String FILE = "imported.json";

    /** Marks the runtime/ of a freshly unpacked bundle as imported from {@code archive}. */
    static void mark(Path bundleDir, String archive) {
        Path runtime = bundleDir.resolve("runtime");
        List<String> ids = new ArrayList<>();
        try {
            Files.createDirectories(runtime);
            Path last = runtime.resolve("last_run.json");
            if (Files.isRegularFile(last, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    JsonNode id = Json.MAPPER.readTree(last.toFile()).path("run_id");
                    if (id.isTextual()) ids.add(id.asText());
                } catch (IOException e) {
                    // an unreadable last_run.json is still imported: the whole runtime/ is marked below
                }
            }
            Path runs = runtime.resolve("runs");
            if (Files.isDirectory(runs, LinkOption.NOFOLLOW_LINKS)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(runs)) {
                    for (Path p : ds) ids.add(p.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot mark the runtime of " + bundleDir.getFileName() + " as imported", e);
        }
        AtomicFile.writeJson(runtime.resolve(FILE), new ImportedRuntime(SCHEMA, Instant.now().toString(), archive, List.copyOf(ids)));
    }

    /**
     * True when run {@code runId} of the bundle at {@code bundleDir} came from an import: the live runtime/ is still
     * marked (no launch since the import, so every run in it is imported), or a marker archived under runtime/runs/
     * by a later launch lists the id.
     */
    public static boolean covers(Path bundleDir, String runId) {
        Path runtime = bundleDir.resolve("runtime");
        if (Files.exists(runtime.resolve(FILE), LinkOption.NOFOLLOW_LINKS)) return true;
        Path runs = runtime.resolve("runs");
        if (runId == null || !Files.isDirectory(runs, LinkOption.NOFOLLOW_LINKS)) return false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(runs)) {
            for (Path p : ds) {
                if (!Files.exists(p.resolve(FILE), LinkOption.NOFOLLOW_LINKS)) continue;
                if (p.getFileName().toString().equals(runId)) return true;
                if (read(p).map(m -> m.runIds() != null && m.runIds().contains(runId)).orElse(false)) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private static Optional<ImportedRuntime> read(Path runtime) {
        try {
            return Optional.of(Json.MAPPER.readValue(runtime.resolve(FILE).toFile(), ImportedRuntime.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
