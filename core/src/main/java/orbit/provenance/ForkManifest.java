package orbit.provenance;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.BytecodeCache;
import orbit.bundle.Digests;
import orbit.bundle.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * FORK_MANIFEST.json (schema orbit.fork_manifest.v1) at the root of a fork staged under inputs/:
 * which module it provides, which upstream repository and commit it forks, and the sha256 of every file
 * under the fork root (paths relative to it, bytecode caches excluded). {@code files_sha256} is the sha256
 * over the lines "PATH\0SHA256\n" in path order — the precheck computes the same over what it finds.
 * When the fork was staged from a git checkout, {@code modified} lists the paths whose content differs from the
 * upstream commit (a path in {@code modified} but not in {@code files} was deleted) and {@code untracked} the
 * paths git does not track; both are absent for a fork staged from a plain directory.
 */
@JsonPropertyOrder({"schema_version", "module", "upstream", "files_sha256", "files", "modified", "untracked"})
public record ForkManifest(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("module") String module,
        @JsonProperty("upstream") Upstream upstream,
        @JsonProperty("files_sha256") String filesSha256,
        @JsonProperty("files") List<FileDigest> files,
        @JsonProperty("modified") List<String> modified,
        @JsonProperty("untracked") List<String> untracked) {

    public static final String SCHEMA = "orbit.fork_manifest.v1";
    public static final String FILE = "FORK_MANIFEST.json";

    public record Upstream(@JsonProperty("repository") String repository, @JsonProperty("commit") String commit) {}

    public record FileDigest(@JsonProperty("path") String path, @JsonProperty("sha256") String sha256) {}

    /** Describes the fork at {@code forkRoot} as it is now (FORK_MANIFEST.json itself excluded). */
    public static ForkManifest of(Path forkRoot, String module, String repository, String commit) {
        if (!Files.isDirectory(forkRoot.resolve(module.replace('.', '/'))) && !Files.isRegularFile(forkRoot.resolve(module.replace('.', '/') + ".py"))) {
            throw new OrbitException("fork at " + forkRoot + " has no module " + module + ": the fork root must contain "
                    + module.replace('.', '/') + "/ or " + module.replace('.', '/') + ".py");
        }
        List<FileDigest> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(forkRoot)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String rel = forkRoot.relativize(p).toString().replace('\\', '/');
                if (rel.equals(FILE) || BytecodeCache.isCache(rel)) continue;
                files.add(new FileDigest(rel, sha256(Files.readAllBytes(p))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fork at " + forkRoot, e);
        }
        files.sort(java.util.Comparator.comparing(FileDigest::path, ForkManifest::compareUtf8));
        return new ForkManifest(SCHEMA, module, new Upstream(repository, commit), listingDigest(files), List.copyOf(files), null, null);
    }

    /** The same manifest, saying how the fork differs from its upstream commit (paths relative to the fork root). */
    public ForkManifest withChanges(List<String> modified, List<String> untracked) {
        return new ForkManifest(schemaVersion, module, upstream, filesSha256, files,
                modified.stream().sorted(ForkManifest::compareUtf8).toList(), untracked.stream().sorted(ForkManifest::compareUtf8).toList());
    }

    /** Writes FORK_MANIFEST.json into the fork root. */
    public Path writeTo(Path forkRoot) {
        Path file = forkRoot.resolve(FILE);
        AtomicFile.writeJson(file, this);
        return file;
    }

    public static ForkManifest read(Path forkRoot) {
        try (InputStream in = Files.newInputStream(forkRoot.resolve(FILE))) {
            return Json.MAPPER.readValue(in, ForkManifest.class);
        } catch (IOException e) {
            throw new OrbitException("cannot read " + forkRoot.resolve(FILE) + ": write it with ForkManifest.of(...).writeTo(forkRoot)");
        }
    }

    static String listingDigest(List<FileDigest> files) {
        StringBuilder sb = new StringBuilder();
        for (FileDigest f : files) sb.append(f.path()).append('\0').append(f.sha256()).append('\n');
        return sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Python sorts str by code point; for UTF-8 bytes that is the same as unsigned byte order. */
    private static int compareUtf8(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        return Digests.sha256(bytes);
    }
}
