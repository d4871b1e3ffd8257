package orbit.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Packs a bundle into a .tar.gz so an analysis can travel with the run it reads, and unpacks one under a
 * bundle root. The archive holds one top directory (the bundle's name) and the bundle's files below it.
 *
 * <p>Import trusts nothing in the archive: every entry must land inside the new bundle (no "..", no absolute
 * paths, no links pointing out, no devices), every file under artifacts/ must match artifacts/manifest.json
 * and every staged input its hash in inputs/.orbit-index.json. Only regular files, directories and links are
 * taken: a device, FIFO or other special entry refuses the archive. The archive is read once before anything is
 * written, and each file is unpacked only up to the size those two records give it (files they do not list,
 * such as job.json, scripts/ and runtime/, share {@link #UNLISTED_LIMIT}), so a small archive that would unpack
 * to gigabytes is refused before it fills a disk. Extraction goes to a temporary directory beside
 * the target and is renamed into place only once everything checked out, and an existing bundle is never
 * replaced, so a refused archive leaves nothing behind.
 */
public final class BundleArchive {
    public static final String MANIFEST = "artifacts/manifest.json";
    public static final String INPUTS_INDEX = "inputs/.orbit-index.json";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    /** Fixed mtime for directories so two exports of the same bundle differ only where files differ. */
    private static final FileTime EPOCH = FileTime.fromMillis(0);
    /** What the files that neither the manifest nor the inputs index lists may hold in all. */
    public static final long UNLISTED_LIMIT = 256L << 20;
    /** The most the manifest or the inputs index may hold (read whole before unpacking). */
    private static final int RECORD_LIMIT = 64 << 20;

    private BundleArchive() {}

    /** What an import did: the new bundle and how much of it was checked against recorded hashes. */
    public record ImportReport(Bundle bundle, int files, int verifiedArtifacts, int verifiedInputs,
                               boolean manifestPresent, boolean inputsIndexPresent) {
        @Override
        public String toString() {
            return "imported " + bundle.path().getFileName() + ": " + files + " files, "
                    + (manifestPresent ? verifiedArtifacts + " artifacts verified against " + MANIFEST : "no " + MANIFEST + " (artifacts unverified)")
                    + ", "
                    + (inputsIndexPresent ? verifiedInputs + " inputs verified against " + INPUTS_INDEX : "no " + INPUTS_INDEX + " (inputs unverified)");
        }
    }

    /** Writes {@code bundle} to {@code tarGz} (replacing that file atomically); returns the number of files packed. */
    public static int export(Bundle bundle, Path tarGz) {
        Path dir = bundle.path().toAbsolutePath().normalize();
        String top = dir.getFileName().toString();
        Path out = tarGz.toAbsolutePath().normalize();
        if (out.startsWith(dir)) {
            throw new OrbitException("cannot write the archive " + tarGz + " inside the bundle it packs: choose --out outside " + dir);
        }
        Path parent = out.getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + parent, e);
        }
        Path tmp = parent.resolve("." + out.getFileName() + ".tmp-" + UUID.randomUUID());
        int files = 0;
        try {
            List<Path> paths;
            try (Stream<Path> walk = Files.walk(dir)) {
                paths = walk.sorted().toList();
            }
            try (OutputStream fos = new BufferedOutputStream(Files.newOutputStream(tmp));
                 GzipCompressorOutputStream gz = new GzipCompressorOutputStream(fos);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Path p : paths) {
                    String rel = dir.relativize(p).toString();
                    String name = rel.isEmpty() ? top + "/" : top + "/" + rel;
                    if (Files.isSymbolicLink(p)) {
                        Path target = Files.readSymbolicLink(p);
                        Path resolved = p.getParent().resolve(target).normalize();
                        if (target.isAbsolute() || !resolved.startsWith(dir)) {
                            throw new OrbitException("bundle file " + rel + " is a link to " + target
                                    + " outside the bundle: copy the file into the bundle before exporting");
                        }
                        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                        e.setLinkName(target.toString());
                        tar.putArchiveEntry(e);
                        tar.closeArchiveEntry();
                    } else if (Files.isDirectory(p)) {
                        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
                        e.setModTime(EPOCH);
                        tar.putArchiveEntry(e);
                        tar.closeArchiveEntry();
                    } else if (Files.isRegularFile(p)) {
                        TarArchiveEntry e = new TarArchiveEntry(p.toFile(), name);
                        e.setSize(Files.size(p));
                        tar.putArchiveEntry(e);
                        Files.copy(p, tar);
                        tar.closeArchiveEntry();
                        files++;
                    }
                    // sockets and fifos are runtime plumbing, not data: left out
                }
                tar.finish();
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return files;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write " + tarGz, e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /** The bundle name an archive imports as by default: its top directory. */
    public static String topName(Path tarGz) {
        if (!Files.isRegularFile(tarGz)) {
            throw new OrbitException("no archive at " + tarGz + ": pass the .tar.gz written by `orbit bundle export`");
        }
        return scan(tarGz).top();
    }

    /** Unpacks {@code tarGz} as a new bundle under {@code root}, named after the archive's top directory. */
    public static ImportReport importArchive(Path tarGz, BundleRoot root) {
        return importArchive(tarGz, root, null);
    }

    /**
     * Unpacks {@code tarGz} as a new bundle under {@code root}, named {@code newName} (or the archive's top
     * directory when null). job.json is kept byte for byte: runs recorded its hash, so a renamed import keeps its
     * original job name inside.
     */
    public static ImportReport importArchive(Path tarGz, BundleRoot root, String newName) {
        if (!Files.isRegularFile(tarGz)) {
            throw new OrbitException("no archive at " + tarGz + ": pass the .tar.gz written by `orbit bundle export`");
        }
        if (newName != null && !NAME.matcher(newName).matches()) {
            throw new OrbitException("bad bundle name '" + newName + "': use letters, digits, '.', '_' and '-'");
        }
        Scan scan = scan(tarGz);
        String archiveTop = scan.top();
        String name = newName != null ? newName : archiveTop;
        Path target = root.dir().resolve(name);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new OrbitException("bundle " + name + " already exists under " + root.dir()
                    + ": import with --name NEW, or pass --replace to move the existing one aside (nothing is deleted)");
        }
        try {
            Files.createDirectories(root.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create bundle root " + root.dir(), e);
        }
        // nested one level down so that `bundle list` never takes a half-extracted import for a bundle
        Path staging = root.dir().resolve(".import-" + name + "-" + UUID.randomUUID());
        Path tmp = staging.resolve(name);
        try {
            Files.createDirectories(tmp);
            int files = extract(tarGz, scan, tmp);
            if (!Files.isRegularFile(tmp.resolve(Bundle.JOB_FILE), LinkOption.NOFOLLOW_LINKS)) {
                throw new OrbitException("archive " + tarGz.getFileName() + " holds no " + archiveTop + "/job.json: it is not an exported bundle");
            }
            Verification v = verify(tmp, tarGz.getFileName().toString());
            Bundle.open(tmp); // job.json must be a valid job spec before the bundle appears
            ImportedRuntime.mark(tmp, tarGz.getFileName().toString()); // its pids are another machine's: never signalled
            try {
                // without REPLACE_EXISTING this refuses an existing target, even an empty directory made meanwhile
                Files.move(tmp, target);
            } catch (FileAlreadyExistsException e) {
                throw new OrbitException("bundle " + name + " appeared under " + root.dir()
                        + " while importing: import with --name NEW");
            }
            deleteTree(staging);
            Bundle bundle = Bundle.open(target);
            return new ImportReport(bundle, files, v.artifacts, v.inputs, v.manifest, v.index);
        } catch (IOException e) {
            deleteTree(staging);
            throw new OrbitException("cannot read archive " + tarGz.getFileName() + ": " + e.getMessage()
                    + ": check that it is a complete .tar.gz from `orbit bundle export`", e);
        } catch (RuntimeException e) {
            deleteTree(staging);
            throw e;
        }
    }

    /**
     * The first read of an archive, before anything is written: its single top directory (validated as a bundle
     * name), the declared size of each regular file (by its path inside the bundle), the manifest and the inputs
     * index, and how many bytes unpacking may write in all.
     */
    private record Scan(String top, Map<String, Long> sizes, long budget) {}

    private static Scan scan(Path tarGz) {
        String archive = tarGz.getFileName().toString();
        String top = null;
        Map<String, Long> sizes = new LinkedHashMap<>();
        byte[] manifest = null, index = null;
        try (TarArchiveInputStream tar = open(tarGz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String first = firstSegment(e.getName());
                if (top == null) {
                    top = first;
                } else if (!top.equals(first)) {
                    throw new OrbitException("archive " + archive + " has entries outside its top directory "
                            + top + " (" + e.getName() + "): refusing it");
                }
                String why = special(e);
                if (why != null) {
                    throw new OrbitException("archive " + archive + " entry " + e.getName() + " is " + why
                            + ", not a file of a bundle: refusing the archive");
                }
                if (e.isDirectory() || e.isSymbolicLink()) continue;
                String rel = relative(e.getName(), top);
                if (e.isLink()) {
                    // unpacked as a copy of the file it names: it costs that file's size again
                    String target = e.getLinkName().startsWith(top + "/") || e.getLinkName().startsWith("./" + top + "/") ? relative(e.getLinkName(), top) : null;
                    if (!rel.isEmpty()) sizes.putIfAbsent(rel, target == null ? 0L : sizes.getOrDefault(target, 0L));
                    continue;
                }
                if (rel.isEmpty()) continue;
                sizes.putIfAbsent(rel, e.getSize());
                if (rel.equals(MANIFEST) || rel.equals(INPUTS_INDEX)) {
                    if (e.getSize() > RECORD_LIMIT) {
                        throw new OrbitException("archive " + archive + ": " + rel + " has " + e.getSize() + " bytes, more than such a record ever holds: refusing the archive");
                    }
                    byte[] body = tar.readNBytes((int) e.getSize());
                    if (rel.equals(MANIFEST)) manifest = body;
                    else index = body;
                }
            }
        } catch (IOException e) {
            throw new OrbitException("cannot read archive " + archive + ": " + e.getMessage()
                    + ": check that it is a complete .tar.gz from `orbit bundle export`", e);
        }
        if (top == null) throw new OrbitException("archive " + archive + " is empty: it is not an exported bundle");
        if (!NAME.matcher(top).matches()) {
            throw new OrbitException("archive " + archive + " has top directory '" + top
                    + "', not a bundle name: refusing it");
        }
        return new Scan(top, sizes, budget(archive, sizes, listedSizes(manifest, index)));
    }

    /** Bundle-relative path → size, as artifacts/manifest.json and the inputs index record them. */
    private static Map<String, Long> listedSizes(byte[] manifest, byte[] index) {
        Map<String, Long> listed = new LinkedHashMap<>();
        JsonNode m = parseQuietly(manifest);
        if (m != null && m.path("files").isArray()) {
            for (JsonNode f : m.path("files")) {
                if (!f.hasNonNull("size")) continue;
                String p = f.path("path").asText();
                listed.put(p.startsWith("artifacts/") ? p : "artifacts/" + p, f.get("size").asLong());
            }
        }
        JsonNode i = parseQuietly(index);
        if (i != null) {
            indexEntries(i).forEach((p, rec) -> {
                if (rec.hasNonNull("size")) {
                    listed.put("inputs/" + p, rec.get("size").asLong());
                    listed.putIfAbsent(p, rec.get("size").asLong()); // tolerate bundle-relative paths
                }
            });
        }
        return listed;
    }

    private static JsonNode parseQuietly(byte[] json) {
        if (json == null) return null;
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            return null; // the check after unpacking names a damaged record in one line
        }
    }

    /**
     * How many bytes unpacking may write: each listed file exactly its recorded size, the unlisted ones
     * {@link #UNLISTED_LIMIT} together. An entry that declares more is refused here, before a byte is written.
     */
    private static long budget(String archive, Map<String, Long> sizes, Map<String, Long> listed) {
        long total = 0;
        long unlisted = 0;
        for (Map.Entry<String, Long> e : sizes.entrySet()) {
            Long want = listed.get(e.getKey());
            long got = e.getValue();
            if (want != null) {
                if (got != want) {
                    String by = e.getKey().startsWith("artifacts/") ? MANIFEST : INPUTS_INDEX;
                    throw new OrbitException("archive " + archive + ": " + e.getKey() + " would unpack to " + got + " bytes, " + by
                            + " records " + want + ": the archive was altered; refusing it before unpacking");
                }
            } else {
                unlisted += got;
                if (unlisted > UNLISTED_LIMIT) {
                    throw new OrbitException("archive " + archive + ": files that neither " + MANIFEST + " nor " + INPUTS_INDEX
                            + " lists would unpack to more than " + (UNLISTED_LIMIT >> 20) + " MiB (at " + e.getKey() + "): refusing it before unpacking");
                }
            }
            total += got;
        }
        return total;
    }

    /** Why an entry is no file of a bundle (a device, a FIFO, a sparse or unknown kind), or null for a file, directory or link. */
    private static String special(TarArchiveEntry e) {
        if (e.isCharacterDevice()) return "a character device";
        if (e.isBlockDevice()) return "a block device";
        if (e.isFIFO()) return "a FIFO";
        if (e.isSparse()) return "a sparse file";
        if (e.isDirectory() || e.isSymbolicLink() || e.isLink()) return null;
        byte f = e.getLinkFlag();
        if (f == TarArchiveEntry.LF_NORMAL || f == TarArchiveEntry.LF_OLDNORM || f == TarArchiveEntry.LF_CONTIG) return null;
        return "a special entry (type '" + (char) f + "')";
    }

    /** An entry's path inside the bundle ("" for the top directory itself). */
    private static String relative(String entryName, String top) {
        String n = entryName.startsWith("./") ? entryName.substring(2) : entryName;
        if (n.equals(top) || n.equals(top + "/")) return "";
        String rest = n.substring(top.length() + 1);
        return rest.endsWith("/") ? rest.substring(0, rest.length() - 1) : rest;
    }

    private static String firstSegment(String entryName) {
        String n = entryName.startsWith("./") ? entryName.substring(2) : entryName;
        int slash = n.indexOf('/');
        return slash < 0 ? n : n.substring(0, slash);
    }

    private static TarArchiveInputStream open(Path tarGz) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(tarGz));
        try {
            return new TarArchiveInputStream(new GzipCompressorInputStream(in));
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Extracts every entry below {@code top/} into {@code dest}, each file only up to the size the scan saw
     * (an archive that changed since is refused); returns the number of regular files.
     */
    private static int extract(Path tarGz, Scan scan, Path dest) throws IOException {
        String archive = tarGz.getFileName().toString();
        String top = scan.top();
        int files = 0;
        long written = 0;
        List<TarArchiveEntry> links = new ArrayList<>();
        try (TarArchiveInputStream tar = open(tarGz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path out = inside(dest, top, e.getName(), archive);
                if (out == null) continue; // the top directory itself
                if (e.isSymbolicLink() || e.isLink()) {
                    links.add(e); // made after all files, so a link cannot redirect a later file write
                } else if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (special(e) == null) {
                    Long declared = scan.sizes().get(relative(e.getName(), top));
                    if (declared == null || declared != e.getSize() || written + declared > scan.budget()) {
                        throw new OrbitException("archive " + archive + " changed while it was imported (" + e.getName() + "): import it again");
                    }
                    Files.createDirectories(out.getParent());
                    // CREATE_NEW: a duplicate entry is an error, not a silent replace
                    try (OutputStream os = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                        written += copyAtMost(tar, os, declared);
                    }
                    files++;
                } else {
                    throw new OrbitException("archive " + archive + " entry " + e.getName() + " is " + special(e) + ": refusing the archive");
                }
            }
        } catch (FileAlreadyExistsException e) {
            throw new OrbitException("archive " + archive + " holds " + dest.relativize(Path.of(e.getFile()))
                    + " twice: refusing the archive");
        }
        for (TarArchiveEntry e : links) {
            Path out = inside(dest, top, e.getName(), archive);
            Path link = Path.of(e.getLinkName());
            Files.createDirectories(out.getParent());
            if (e.isSymbolicLink()) {
                Path resolved = out.getParent().resolve(link).normalize();
                if (link.isAbsolute() || !resolved.startsWith(dest)) {
                    throw new OrbitException("archive " + archive + " entry " + e.getName() + " links to " + e.getLinkName()
                            + ", outside the bundle: refusing the archive");
                }
                Files.createSymbolicLink(out, link);
            } else {
                // a hard link names another entry of the archive; copy it rather than link across the tree
                Path source = inside(dest, top, e.getLinkName(), archive);
                if (source == null || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                    throw new OrbitException("archive " + archive + " entry " + e.getName() + " is a hard link to "
                            + e.getLinkName() + ", not a file of the bundle: refusing the archive");
                }
                long size = Files.size(source);
                if (written + size > scan.budget()) {
                    throw new OrbitException("archive " + archive + " entry " + e.getName() + " would unpack past the size the archive declares: refusing it");
                }
                Files.copy(source, out);
                written += size;
                files++;
            }
        }
        return files;
    }

    /** Copies at most {@code limit} bytes; more in the stream is an error (nothing past the limit is written). */
    private static long copyAtMost(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[1 << 16];
        long n = 0;
        for (int r; (r = in.read(buf, 0, (int) Math.min(buf.length, limit - n + 1))) > 0; ) {
            if (n + r > limit) throw new OrbitException("an archive entry holds more than the " + limit + " bytes it declared: refusing the archive");
            out.write(buf, 0, r);
            n += r;
        }
        return n;
    }

    /** Where an entry lands inside {@code dest}, or a refusal if anywhere else; null for the top directory. */
    private static Path inside(Path dest, String top, String entryName, String archive) {
        String n = entryName.startsWith("./") ? entryName.substring(2) : entryName;
        if (n.startsWith("/") || n.contains("\\") || n.indexOf('\0') >= 0) {
            throw new OrbitException("archive " + archive + " entry " + entryName + " is an absolute or odd path: refusing the archive");
        }
        String rest = n.equals(top) || n.equals(top + "/") ? "" : n.substring(top.length() + 1);
        if (rest.isEmpty()) return null;
        for (String seg : rest.split("/")) {
            if (seg.equals("..")) {
                throw new OrbitException("archive " + archive + " entry " + entryName + " would land outside the bundle: refusing the archive");
            }
        }
        Path out = dest.resolve(rest).normalize();
        if (!out.startsWith(dest) || out.equals(dest)) {
            throw new OrbitException("archive " + archive + " entry " + entryName + " would land outside the bundle: refusing the archive");
        }
        // a directory of the path already made as a symlink must not carry a file elsewhere
        for (Path p = out.getParent(); p != null && !p.equals(dest); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new OrbitException("archive " + archive + " entry " + entryName + " goes through a link: refusing the archive");
            }
        }
        return out;
    }

    private record Verification(boolean manifest, int artifacts, boolean index, int inputs) {}

    private static Verification verify(Path bundle, String archive) throws IOException {
        boolean hasManifest = Files.isRegularFile(bundle.resolve(MANIFEST), LinkOption.NOFOLLOW_LINKS);
        int artifacts = 0;
        if (hasManifest) {
            Map<String, JsonNode> listed = new LinkedHashMap<>();
            JsonNode files = readJson(bundle.resolve(MANIFEST), archive).path("files");
            if (!files.isArray()) {
                throw new OrbitException("archive " + archive + ": " + MANIFEST + " has no files list: the bundle's manifest is damaged");
            }
            for (JsonNode f : files) listed.put(f.path("path").asText(), f);
            Path artifactsDir = bundle.resolve("artifacts");
            List<Path> present;
            try (Stream<Path> walk = Files.walk(artifactsDir)) {
                present = walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p)).sorted().toList();
            }
            for (Path p : present) {
                String rel = artifactsDir.relativize(p).toString();
                if (rel.equals("manifest.json")) continue;
                JsonNode rec = listed.remove(rel);
                if (rec == null) rec = listed.remove("artifacts/" + rel); // tolerate bundle-relative paths
                if (rec == null) {
                    throw new OrbitException("archive " + archive + ": artifacts/" + rel + " is not listed in " + MANIFEST
                            + ": the archive was altered after the run; ask its sender for a fresh export");
                }
                checkFile(p, "artifacts/" + rel, rec, archive, MANIFEST);
                artifacts++;
            }
            if (!listed.isEmpty()) {
                String missing = listed.keySet().iterator().next();
                throw new OrbitException("archive " + archive + ": " + (missing.startsWith("artifacts/") ? missing : "artifacts/" + missing)
                        + " is listed in " + MANIFEST + " but missing: the archive is incomplete; ask its sender for a fresh export");
            }
        }
        boolean hasIndex = Files.isRegularFile(bundle.resolve(INPUTS_INDEX), LinkOption.NOFOLLOW_LINKS);
        int inputs = 0;
        if (hasIndex) {
            for (Map.Entry<String, JsonNode> e : indexEntries(readJson(bundle.resolve(INPUTS_INDEX), archive)).entrySet()) {
                String rel = e.getKey();
                Path p = bundle.resolve("inputs").resolve(rel).normalize();
                String shown = "inputs/" + rel;
                if (!p.startsWith(bundle.resolve("inputs")) || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    Path asBundlePath = bundle.resolve(rel).normalize();
                    if (asBundlePath.startsWith(bundle) && Files.exists(asBundlePath, LinkOption.NOFOLLOW_LINKS)) {
                        p = asBundlePath;
                        shown = rel;
                    } else {
                        throw new OrbitException("archive " + archive + ": " + shown + " is listed in " + INPUTS_INDEX
                                + " but missing: the archive is incomplete; ask its sender for a fresh export");
                    }
                }
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) continue; // directories are indexed by their files
                checkFile(p, shown, e.getValue(), archive, INPUTS_INDEX);
                inputs++;
            }
        }
        return new Verification(hasManifest, artifacts, hasIndex, inputs);
    }

    /**
     * Path → record from the staged-inputs index. Accepts a list of {path, sha256, size?} under "files",
     * "entries" or "inputs", or an object keyed by path whose values are records or bare hashes.
     */
    private static Map<String, JsonNode> indexEntries(JsonNode index) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String key : new String[] {"files", "entries", "inputs"}) {
            JsonNode node = index.get(key);
            if (node == null) continue;
            if (node.isArray()) {
                for (JsonNode f : node) {
                    if (f.hasNonNull("path") && (f.hasNonNull("sha256") || f.hasNonNull("size"))) out.put(f.get("path").asText(), f);
                }
            } else if (node.isObject()) {
                collectKeyed(node, out);
            }
            return out;
        }
        collectKeyed(index, out);
        return out;
    }

    private static void collectKeyed(JsonNode node, Map<String, JsonNode> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            if (v.isTextual() && v.asText().matches("(sha256:)?[0-9a-f]{64}")) {
                out.put(f.getKey(), Json.MAPPER.createObjectNode().put("sha256", v.asText()));
            } else if (v.isObject() && v.hasNonNull("sha256")) {
                out.put(f.getKey(), v);
            }
        }
    }

    private static void checkFile(Path p, String shown, JsonNode rec, String archive, String against) throws IOException {
        if (Files.isSymbolicLink(p)) {
            throw new OrbitException("archive " + archive + ": " + shown + " is a link, but " + against
                    + " records a file: the archive was altered; ask its sender for a fresh export");
        }
        if (rec.hasNonNull("size") && rec.get("size").asLong() != Files.size(p)) {
            throw new OrbitException("archive " + archive + ": " + shown + " has " + Files.size(p) + " bytes, " + against
                    + " records " + rec.get("size").asLong() + ": the file was altered; ask its sender for a fresh export");
        }
        if (rec.hasNonNull("sha256")) {
            String want = rec.get("sha256").asText().toLowerCase().replaceFirst("^sha256:", "");
            String got = sha256(p);
            if (!want.equals(got)) {
                throw new OrbitException("archive " + archive + ": " + shown + " does not match its sha256 in " + against
                        + ": the file was altered; ask its sender for a fresh export");
            }
        }
    }

    private static JsonNode readJson(Path file, String archive) {
        try {
            return Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new OrbitException("archive " + archive + ": " + file.getParent().getFileName() + "/" + file.getFileName()
                    + " is not valid JSON: the bundle is damaged; ask its sender for a fresh export");
        }
    }

    /** Hex SHA-256 of a file's content. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temp file beside the output is harmless
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the temp directory is hidden and never taken for a bundle
        }
    }
}
