package orbit.ssh;

import com.fasterxml.jackson.annotation.JsonProperty;
import orbit.bundle.AtomicFile;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * runtime/ship-state.json: what the last push left on which remote directory. For each file the local
 * size and mtime it was sent with, its sha256, and the size and mtime the remote listing showed after
 * extraction. While both sides still show exactly those, the copies are the same content and nothing
 * is hashed or sent again; anything else falls back to comparing sha256 on both sides.
 */
public record ShipState(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("remote") String remote,
        @JsonProperty("files") Map<String, Entry> files,
        @JsonProperty("partial") Map<String, Partial> partial) {
    public static final String SCHEMA = "orbit.ship.v1";
    public static final String FILE = "ship-state.json";

    public ShipState {
        files = files == null ? new TreeMap<>() : new TreeMap<>(files);
        partial = partial == null ? new TreeMap<>() : new TreeMap<>(partial);
    }

    /**
     * A large file whose ranges were being written into PATH.orbit-part when a push stopped: the ranges
     * (offsets, each {@code unit} bytes or up to the end) that the host confirmed, for this exact local file.
     */
    public record Partial(
            @JsonProperty("size") long size,
            @JsonProperty("mtime_ns") long mtimeNs,
            @JsonProperty("unit") long unit,
            @JsonProperty("done") java.util.List<Long> done) {}

    public record Entry(
            @JsonProperty("size") long size,
            @JsonProperty("mtime_ns") long mtimeNs,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("remote_mtime") String remoteMtime) {}

    static ShipState load(Path runtimeDir, String remote) {
        Path f = runtimeDir.resolve(FILE);
        try {
            if (Files.isRegularFile(f)) {
                ShipState s = Json.MAPPER.readValue(f.toFile(), ShipState.class);
                if (remote.equals(s.remote()) && SCHEMA.equals(s.schemaVersion())) return s;
            }
        } catch (IOException e) {
            // a damaged cache only costs a full comparison
        }
        return new ShipState(SCHEMA, remote, new TreeMap<>(), new TreeMap<>());
    }

    void save(Path runtimeDir) {
        AtomicFile.writeJson(runtimeDir.resolve(FILE), this);
    }
}
