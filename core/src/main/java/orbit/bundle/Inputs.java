package orbit.bundle;

import orbit.OrbitException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The staged inputs of a bundle: files copied (hard-linked where possible) under inputs/, each recorded
 * with size and sha256 in {@link InputsIndex}. Staging the same content again is a no-op; different
 * content at a staged path is refused unless replaced explicitly, and the old digests stay in the history.
 */
public final class Inputs {
    private static final String TEMP_PREFIX = ".orbit-";
    /** Staged checkouts of pinned upstreams (inputs/upstream/NAME): vouched for by git, not by this index. */
    public static final String UPSTREAM_DIR = "upstream";

    private final Path dir;

    private Inputs(Path dir) {
        this.dir = dir;
    }

    public static Inputs of(Bundle bundle) {
        return new Inputs(bundle.inputsDir());
    }

    public enum Outcome { STAGED, UNCHANGED, REPLACED }

    /** What one stage call did: the path under inputs/, how many files and bytes it covers. */
    public record StageResult(String path, int files, long bytes, Outcome outcome) {}

    public InputsIndex index() {
        Path f = dir.resolve(InputsIndex.FILE);
        if (!Files.isRegularFile(f)) return InputsIndex.empty();
        try {
            return Json.MAPPER.readValue(f.toFile(), InputsIndex.class);
        } catch (IOException e) {
            throw new OrbitException("inputs/" + InputsIndex.FILE + " is unreadable (" + e.getMessage().lines().findFirst().orElse("")
                    + "): restage the inputs into a new bundle");
        }
    }

    /**
     * Stages a file or directory as {@code as} (relative to inputs/; default: the source's file name).
     * Symlinks inside a staged directory are followed only when they point inside the source; its bytecode
     * caches ({@link BytecodeCache}) are left out.
     */
    public StageResult stage(Path source, String as, boolean replace) {
        if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
            throw new OrbitException("stage: " + source + " does not exist: check the path");
        }
        String target = targetPath(source, as);
        Path real;
        try {
            real = source.toRealPath();
        } catch (IOException e) {
            throw new OrbitException("stage: " + source + " is a broken symlink: point it at a file or stage the file itself");
        }
        Map<String, Path> sources = new TreeMap<>();
        String kind = kind(real);
        if (kind.equals("directory")) {
            collect(real, real, "", sources, new HashSet<>());
        } else if (kind.equals("file")) {
            sources.put("", real);
        } else {
            throw new OrbitException("stage: " + source + " is " + kind + ", not a regular file: stage regular files or directories of them");
        }
        refuseLinksOnTheWay(target);
        InputsIndex index = index();
        for (String staged : index.files().keySet()) {
            if (target.startsWith(staged + "/")) {
                throw new OrbitException("stage: inputs/" + staged + " is a staged file, so inputs/" + target
                        + " cannot go below it: choose another --as");
            }
        }
        try {
            Files.createDirectories(dir);
            Path staging = dir.resolve(TEMP_PREFIX + "staging-" + UUID.randomUUID());
            try {
                Map<String, InputsIndex.Entry> fresh = place(sources, staging, target, source);
                return commit(index, target, staging, fresh, replace);
            } finally {
                deleteTree(staging);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage " + source + " into inputs/" + target, e);
        }
    }

    /**
     * Problems with staged inputs: files missing, changed since staging, or present but never staged. Bytecode
     * caches are no inputs: the interpreter writes them when a run imports a staged module, so they are neither
     * hashed nor reported (a changed .py still is).
     */
    public List<String> verify() {
        List<String> problems = new ArrayList<>();
        InputsIndex index = index();
        for (Map.Entry<String, InputsIndex.Entry> e : index.files().entrySet()) {
            if (BytecodeCache.isCache(e.getKey())) continue; // indexed before caches were left out: the interpreter may rewrite them
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f)) {
                problems.add("inputs/" + e.getKey() + ": missing");
            } else if (!Digests.sha256(f).equals(e.getValue().sha256())) {
                problems.add("inputs/" + e.getKey() + ": content changed since it was staged (a hard-linked source edited in place?)");
            }
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(Files::isRegularFile)
                        .map(p -> dir.relativize(p).toString())
                        .filter(rel -> !rel.equals(InputsIndex.FILE) && !rel.startsWith(TEMP_PREFIX) && !rel.startsWith(UPSTREAM_DIR + "/"))
                        .filter(rel -> !BytecodeCache.isCache(rel))
                        .filter(rel -> !index.files().containsKey(rel))
                        .sorted()
                        .forEach(rel -> problems.add("inputs/" + rel + ": not in the index: stage it with `orbit bundle stage`"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
        }
        return problems;
    }

    /**
     * What {@code p} is, read without following a link and without opening it (opening a FIFO blocks, reading
     * a device never ends): "file", "directory", "a symlink", "a FIFO", "a character device", "a block device",
     * "a socket" or "missing".
     */
    static String kind(Path p) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return "missing";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            try {
                var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                return a.isRegularFile() ? "file" : a.isDirectory() ? "directory" : a.isSymbolicLink() ? "a symlink" : "a special file";
            } catch (IOException e2) {
                return "missing";
            }
        }
        return switch (mode & 0170000) {
            case 0100000 -> "file";
            case 0040000 -> "directory";
            case 0120000 -> "a symlink";
            case 0010000 -> "a FIFO";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            case 0140000 -> "a socket";
            default -> "a special file";
        };
    }

    /** Staged files must land inside inputs/: no directory on the way to {@code target} may be a link (or a file). */
    private void refuseLinksOnTheWay(String target) {
        if (Files.isSymbolicLink(dir)) {
            throw new OrbitException("stage: the bundle's inputs/ is a symlink: make it a directory of the bundle, then stage again");
        }
        Path p = dir;
        String shown = "inputs";
        for (Path part : Path.of(target)) {
            p = p.resolve(part.toString());
            shown = shown + "/" + part;
            String k = kind(p);
            if (k.equals("missing")) return;
            if (k.equals("a symlink")) {
                throw new OrbitException("stage: --as " + target + " goes through " + shown + ", a symlink, which could lead out of the bundle: choose a path without links");
            }
            if (!p.equals(dir.resolve(target)) && !k.equals("directory")) {
                throw new OrbitException("stage: --as " + target + " goes through " + shown + ", which is " + (k.equals("file") ? "a file" : k) + ": choose another --as");
            }
        }
    }

    private static String targetPath(Path source, String as) {
        String target = as == null || as.isBlank() ? String.valueOf(source.toAbsolutePath().normalize().getFileName()) : as;
        if (JobSpecValidator.escapes(target)) {
            throw new OrbitException("stage: --as " + target + " escapes inputs/: use a relative path inside the bundle's inputs/");
        }
        String normalized = Path.of(target).normalize().toString();
        if (normalized.isEmpty() || normalized.equals(".")) {
            throw new OrbitException("stage: --as " + target + " names inputs/ itself: give a file or directory name inside it");
        }
        if (normalized.equals(UPSTREAM_DIR) || normalized.startsWith(UPSTREAM_DIR + "/")) {
            throw new OrbitException("stage: --as " + target + ": inputs/" + UPSTREAM_DIR + "/ holds pinned upstreams: pin them with `orbit upstream pin`, or choose another --as");
        }
        for (Path part : Path.of(normalized)) {
            if (part.toString().startsWith(TEMP_PREFIX)) {
                throw new OrbitException("stage: --as " + target + ": names starting with " + TEMP_PREFIX + " are reserved for ORBIT's own files");
            }
        }
        return normalized;
    }

    private static void collect(Path root, Path dirReal, String rel, Map<String, Path> out, Set<Path> seen) {
        if (!seen.add(dirReal)) return;
        List<Path> children;
        try (Stream<Path> list = Files.list(dirReal)) {
            children = list.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dirReal, e);
        }
        for (Path child : children) {
            String childRel = rel.isEmpty() ? child.getFileName().toString() : rel + "/" + child.getFileName();
            if (BytecodeCache.isCache(childRel)) continue;
            Path resolved = child;
            if (Files.isSymbolicLink(child)) {
                try {
                    resolved = child.toRealPath();
                } catch (IOException e) {
                    throw new OrbitException("stage: " + childRel + " is a broken symlink: fix or remove it, then stage again");
                }
                if (!resolved.startsWith(root)) {
                    throw new OrbitException("stage: " + childRel + " is a symlink to " + resolved
                            + ", outside the source: copy that file in or stage it separately");
                }
            }
            String kind = kind(resolved);
            if (kind.equals("directory")) {
                collect(root, resolved, childRel, out, seen);
            } else if (kind.equals("file")) {
                out.put(childRel, resolved);
            } else {
                throw new OrbitException("stage: " + childRel + " is " + kind + ", not a regular file: remove it from the source, then stage again");
            }
        }
    }

    /** Links or copies every source file under {@code staging} and digests the staged copies. */
    private static Map<String, InputsIndex.Entry> place(Map<String, Path> sources, Path staging, String target, Path origin)
            throws IOException {
        Files.createDirectories(staging);
        String now = Instant.now().toString();
        Map<String, InputsIndex.Entry> fresh = new TreeMap<>();
        for (Map.Entry<String, Path> e : sources.entrySet()) {
            Path dst = e.getKey().isEmpty() ? staging.resolve("content") : staging.resolve("content").resolve(e.getKey());
            Files.createDirectories(dst.getParent());
            Path file = e.getValue();
            // checked again just before it is opened: a file swapped for a FIFO or device meanwhile is never read
            String kind = kind(file);
            if (!kind.equals("file")) {
                throw new OrbitException("stage: " + file + " is " + kind + ", not a regular file: stage regular files or directories of them");
            }
            try {
                Files.createLink(dst, file);
            } catch (IOException | UnsupportedOperationException | SecurityException notLinkable) {
                copyBounded(file, dst);
            }
            String key = e.getKey().isEmpty() ? target : target + "/" + e.getKey();
            String src = e.getKey().isEmpty() ? origin.toString() : origin.resolve(e.getKey()).toString();
            fresh.put(key, new InputsIndex.Entry(Files.size(dst), Digests.sha256(dst), now, src));
        }
        return fresh;
    }

    /** Copies a regular file no further than the size it had when checked: one that keeps growing is refused. */
    private static void copyBounded(Path src, Path dst) throws IOException {
        long size = Files.size(src);
        try (var in = Files.newInputStream(src, LinkOption.NOFOLLOW_LINKS);
             var out = Files.newOutputStream(dst, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            byte[] buf = new byte[1 << 16];
            long n = 0;
            for (int r; (r = in.read(buf, 0, (int) Math.min(buf.length, size - n + 1))) > 0; ) {
                if (n + r > size) throw new OrbitException("stage: " + src + " grew while it was copied: stage it once it is complete");
                out.write(buf, 0, r);
                n += r;
            }
        }
        try {
            Files.setLastModifiedTime(dst, Files.getLastModifiedTime(src, LinkOption.NOFOLLOW_LINKS));
            Files.setPosixFilePermissions(dst, Files.getPosixFilePermissions(src, LinkOption.NOFOLLOW_LINKS));
        } catch (IOException | UnsupportedOperationException ignored) {
            // times and modes are a courtesy; the digest is what the index records
        }
    }

    private StageResult commit(InputsIndex index, String target, Path staging, Map<String, InputsIndex.Entry> fresh, boolean replace)
            throws IOException {
        Map<String, InputsIndex.Entry> existing = new TreeMap<>();
        index.files().forEach((k, v) -> {
            if (k.equals(target) || k.startsWith(target + "/")) existing.put(k, v);
        });
        Path dest = dir.resolve(target);
        long bytes = fresh.values().stream().mapToLong(InputsIndex.Entry::size).sum();
        if (!existing.isEmpty() && sameContent(existing, fresh) && allPresent(existing)) {
            return new StageResult(target, fresh.size(), bytes, Outcome.UNCHANGED);
        }
        boolean occupied = Files.exists(dest, LinkOption.NOFOLLOW_LINKS);
        if ((occupied || !existing.isEmpty()) && !replace) {
            String why = existing.isEmpty() ? "exists but was not staged by ORBIT" : firstDifference(existing, fresh);
            throw new OrbitException("stage: inputs/" + target + " is already staged with different content (" + why
                    + "): pass --replace to replace it (the old digests stay in the index history)");
        }
        Path trash = dir.resolve(TEMP_PREFIX + "replaced-" + UUID.randomUUID());
        if (occupied) Files.move(dest, trash, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.createDirectories(dest.getParent());
            Files.move(staging.resolve("content"), dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw new OrbitException("stage: inputs/" + target + " appeared while staging: try again");
        } finally {
            deleteTree(trash);
        }
        String now = Instant.now().toString();
        List<InputsIndex.Replaced> history = new ArrayList<>(index.history());
        Map<String, InputsIndex.Entry> files = new TreeMap<>(index.files());
        for (Map.Entry<String, InputsIndex.Entry> old : existing.entrySet()) {
            InputsIndex.Entry now1 = fresh.get(old.getKey());
            if (now1 == null || !now1.sha256().equals(old.getValue().sha256())) {
                history.add(new InputsIndex.Replaced(old.getKey(), old.getValue().size(), old.getValue().sha256(), old.getValue().stagedAt(), now));
            }
            files.remove(old.getKey());
        }
        files.putAll(fresh);
        AtomicFile.writeJson(dir.resolve(InputsIndex.FILE), new InputsIndex(InputsIndex.SCHEMA, files, history));
        return new StageResult(target, fresh.size(), bytes, occupied || !existing.isEmpty() ? Outcome.REPLACED : Outcome.STAGED);
    }

    private static boolean sameContent(Map<String, InputsIndex.Entry> a, Map<String, InputsIndex.Entry> b) {
        if (!a.keySet().equals(b.keySet())) return false;
        return a.entrySet().stream().allMatch(e -> e.getValue().sha256().equals(b.get(e.getKey()).sha256()));
    }

    private boolean allPresent(Map<String, InputsIndex.Entry> entries) {
        return entries.entrySet().stream().allMatch(e -> {
            Path f = dir.resolve(e.getKey());
            try {
                return Files.isRegularFile(f) && Files.size(f) == e.getValue().size();
            } catch (IOException ex) {
                return false;
            }
        });
    }

    private static String firstDifference(Map<String, InputsIndex.Entry> existing, Map<String, InputsIndex.Entry> fresh) {
        for (Map.Entry<String, InputsIndex.Entry> e : fresh.entrySet()) {
            InputsIndex.Entry old = existing.get(e.getKey());
            if (old == null) return e.getKey() + " is new";
            if (!old.sha256().equals(e.getValue().sha256())) return e.getKey() + " differs";
        }
        for (String k : existing.keySet()) {
            if (!fresh.containsKey(k)) return k + " is gone from the source";
        }
        return "a staged file is missing on disk";
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }
}
