package orbit.provenance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import orbit.bundle.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Drafts of {@code bundle clone}: hidden directories {@code .NEW.clone-UUID} beside the bundles. The first thing
 * written into a draft is a marker naming the host and the process (pid and start time) building it. A draft whose
 * marker names a process of this host that is gone was left by a clone killed outright (SIGKILL, a power cut), and
 * the next clone removes it. Nothing else is ever removed: not a directory without that marker, not one of another
 * host, not one whose process still runs, and never through a symlink.
 */
final class PartialClones {
    static final String INFIX = ".clone-";
    static final String MARKER = ".orbit-clone-draft.json";
    private static final String SCHEMA = "orbit.clone_draft.v1";
    private static final Pattern DRAFT = Pattern.compile(
            "\\.[A-Za-z0-9][A-Za-z0-9._-]*\\.clone-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private PartialClones() {}

    /** Creates the draft directory (it must not exist) and writes its marker into it before anything else. */
    static void start(Path draft) throws IOException {
        Files.createDirectory(draft);
        ProcessHandle self = ProcessHandle.current();
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("schema_version", SCHEMA);
        m.put("host", host());
        m.put("pid", self.pid());
        m.put("process_started", self.info().startInstant().map(Instant::toString).orElse(null));
        Files.write(draft.resolve(MARKER), Json.bytes(m), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Drops the marker from a finished clone: it is a bundle now, not a draft. */
    static void finish(Path bundle) throws IOException {
        Files.deleteIfExists(bundle.resolve(MARKER));
    }

    /** Removes the drafts under {@code rootDir} that this code made and whose clone is no longer running; how many. */
    static int removeStale(Path rootDir) {
        if (!Files.isDirectory(rootDir)) return 0;
        List<Path> drafts;
        try (Stream<Path> children = Files.list(rootDir)) {
            drafts = children.filter(p -> DRAFT.matcher(p.getFileName().toString()).matches()).toList();
        } catch (IOException e) {
            return 0; // nothing to tidy is no reason to refuse the clone
        }
        int removed = 0;
        for (Path d : drafts) {
            if (stale(d)) {
                try {
                    delete(d);
                    removed++;
                } catch (UncheckedIOException e) {
                    // another clone tidying at the same moment, or a file we may not remove: leave it
                }
            }
        }
        return removed;
    }

    /** True when {@code d} is a real directory holding our marker, written on this host by a process that is gone. */
    static boolean stale(Path d) {
        Path marker = d.resolve(MARKER);
        try {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)
                    || Files.size(marker) > 4096) {
                return false;
            }
            JsonNode m = Json.MAPPER.readTree(Files.readAllBytes(marker));
            if (!SCHEMA.equals(m.path("schema_version").asText(null)) || !host().equals(m.path("host").asText(null))
                    || !m.path("pid").canConvertToLong()) {
                return false;
            }
            return !running(m.path("pid").asLong(), m.path("process_started").asText(null));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A live process with that pid and, where both are known, that start time (a pid is reused after a while). */
    private static boolean running(long pid, String started) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) return false;
        Optional<Instant> now = h.get().info().startInstant();
        return started == null || now.isEmpty() || now.get().toString().equals(started);
    }

    /** Removes a draft without following links, its marker last, so a removal cut short is still recognised later. */
    static void delete(Path draft) {
        if (!Files.isDirectory(draft, LinkOption.NOFOLLOW_LINKS)) return;
        Path marker = draft.resolve(MARKER);
        try (Stream<Path> walk = Files.walk(draft)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!q.equals(marker) && !q.equals(draft)) Files.deleteIfExists(q);
            }
            Files.deleteIfExists(marker);
            Files.deleteIfExists(draft);
        } catch (NoSuchFileException ignored) {
            // removed meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the unfinished clone " + draft, e);
        }
    }

    private static String host() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException e) {
            return String.valueOf(System.getenv("HOSTNAME"));
        }
    }
}
