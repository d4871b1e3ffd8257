package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** artifacts/manifest.json (orbit.manifest.v1) → a table of path, size, sha256. */
public final class ManifestLoader {
    private ManifestLoader() {}

    public static Loaded load(Path file) {
        LoadReport.Builder report = LoadReport.builder(file);
        TableBuilder rows = new TableBuilder().declare("path", TableBuilder.Kind.STRING)
                .declare("size", TableBuilder.Kind.LONG).declare("sha256", TableBuilder.Kind.STRING);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new OrbitException("no manifest.json at " + file + ": it is written when a run ends; wait for the run, or pull the bundle with `orbit launch pull NAME`");
        } catch (IOException e) {
            report.warn("manifest.json unreadable: " + e.getMessage().lines().findFirst().orElse(""));
            return new Loaded(rows.build("manifest"), report.build());
        }
        JsonNode files = root == null ? null : root.get("files");
        if (files != null && files.isArray()) {
            for (JsonNode f : files) {
                report.lines++;
                if (!f.isObject() || !f.hasNonNull("path")) {
                    report.corrupt(report.lines);
                    continue;
                }
                rows.beginRow();
                rows.set("path", f.get("path").asText());
                rows.set("size", f.path("size").isNumber() ? f.get("size").longValue() : null);
                rows.set("sha256", f.hasNonNull("sha256") ? f.get("sha256").asText() : null);
                rows.endRow();
            }
        } else {
            report.warn("no files array");
        }
        report.rows = rows.rows();
        return new Loaded(rows.build("manifest"), report.build());
    }
}
