package orbit.provenance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.Bundle;
import orbit.bundle.BundleRoot;
import orbit.bundle.InputsIndex;
import orbit.bundle.JobSpec;
import orbit.bundle.JobSpecReader;
import orbit.bundle.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A faithful re-run: a new bundle with the same job.json (new name and creation time) and the same staged
 * inputs, each verified against its recorded sha256 while it is copied. job.json's {@code reference} records how
 * the source run's critical dependencies resolved, so the clone's precheck can say which still resolve the same.
 *
 * <p>Inputs are copied, and hard-linked only when the source file has no write permission for anyone: a hard link
 * is the same file under two names, so an in-place edit in either bundle would silently change the other's
 * evidence. A read-only file was made immutable on purpose, and sharing it costs no space. The clone is built in a
 * private directory beside its final place and renamed there once every input checked out, so a refused clone
 * leaves nothing behind.
 */
public final class BundleClone {
    private BundleClone() {}

    /** What a clone did. */
    public record Result(Bundle bundle, String from, int files, long bytes, int linked, String reference) {
        public String line() {
            return "cloned " + from + " as " + bundle.name() + " at " + bundle.path() + ": " + files + (files == 1 ? " input" : " inputs")
                    + " verified by sha256 (" + linked + " hard-linked read-only, " + (files - linked) + " copied)"
                    + (reference == null ? "; no precheck to compare dependencies with" : "; dependencies will be compared with " + reference);
        }
    }

    public static Result clone(BundleRoot root, RunRef from, String newName) {
        JobSpec spec = clonedJob(from, newName);
        Path dest = root.dir().resolve(spec.name());
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new OrbitException("bundle " + newName + " already exists at " + dest + ": pick another name");
        }
        Path building = root.dir().resolve("." + spec.name() + ".clone-" + UUID.randomUUID());
        try {
            Files.createDirectories(root.dir());
            Bundle draft = Bundle.create(building, spec);
            int linked = 0;
            long bytes = 0;
            Path srcInputs = from.bundle().inputsDir().toAbsolutePath().normalize();
            for (Map.Entry<String, InputsIndex.Entry> e : from.inputs().files().entrySet()) {
                String rel = e.getKey();
                Path src = srcInputs.resolve(rel).normalize();
                Path dst = draft.inputsDir().resolve(rel).normalize();
                if (!src.startsWith(srcInputs) || !dst.startsWith(draft.inputsDir())) {
                    throw new OrbitException("inputs index of " + from.label() + " names " + rel + ", outside inputs/: restage the inputs");
                }
                if (!Files.isRegularFile(src, LinkOption.NOFOLLOW_LINKS)) {
                    throw new OrbitException("inputs/" + rel + " of " + from.label() + " is missing: the staged file is gone, so "
                            + from.label() + " cannot be re-run as it was");
                }
                Files.createDirectories(dst.getParent());
                String got = readOnly(src) ? link(src, dst) : copy(src, dst);
                if (got.equals("linked")) {
                    linked++;
                    got = orbit.bundle.Digests.sha256(dst);
                }
                if (!got.equals(e.getValue().sha256())) {
                    throw new OrbitException("inputs/" + rel + " of " + from.label() + " has sha256 " + got + ", not " + e.getValue().sha256()
                            + " as staged for it: its content changed, so " + from.label() + " cannot be re-run as it was");
                }
                bytes += Files.size(dst);
            }
            AtomicFile.writeJson(draft.inputsDir().resolve(InputsIndex.FILE),
                    new InputsIndex(InputsIndex.SCHEMA, new TreeMap<>(from.inputs().files()), List.of()));
            try {
                Files.move(building, dest, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                throw new OrbitException("bundle " + newName + " appeared at " + dest + " while cloning: pick another name");
            } catch (AtomicMoveNotSupportedException e) {
                throw new OrbitException("cannot rename the clone into " + dest + ": " + e.getMessage());
            }
            return new Result(Bundle.open(dest), from.label(), from.inputs().files().size(), bytes, linked,
                    spec.reference() == null ? null : spec.reference().source());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clone " + from.label() + " into " + dest, e);
        } finally {
            deleteTree(building);
        }
    }

    /** The source's job.json with the new name and creation time, and the reference its precheck gives. */
    static JobSpec clonedJob(RunRef from, String newName) {
        ObjectNode tree = Json.MAPPER.valueToTree(from.job());
        tree.put("name", newName);
        tree.put("created_at", Instant.now().toString());
        JobSpec.Reference reference = reference(from);
        if (reference != null) tree.set("reference", Json.MAPPER.valueToTree(reference));
        return JobSpecReader.parse(Json.bytes(tree));
    }

    /** How the source run's critical dependencies resolved; the source's own reference when it never ran its precheck. */
    private static JobSpec.Reference reference(RunRef from) {
        var report = from.precheck();
        if (report.isEmpty() || report.get().deps() == null || report.get().deps().isEmpty()) return from.job().reference();
        List<JobSpec.ReferenceDep> deps = new ArrayList<>();
        for (PrecheckReport.Dep d : report.get().deps()) {
            if (d.ok()) deps.add(new JobSpec.ReferenceDep(d.name(), d.version(), d.path(), d.filesSha256()));
        }
        String source = from.runId() == null || from.label().contains("@") ? from.label() : from.label() + "@" + from.runId();
        return new JobSpec.Reference(source, deps);
    }

    private static boolean readOnly(Path p) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            return !perms.contains(PosixFilePermission.OWNER_WRITE) && !perms.contains(PosixFilePermission.GROUP_WRITE)
                    && !perms.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Hard-links {@code src}; falls back to a copy when linking is impossible (another filesystem). */
    private static String link(Path src, Path dst) throws IOException {
        try {
            Files.createLink(dst, src);
            return "linked";
        } catch (IOException | UnsupportedOperationException e) {
            return copy(src, dst);
        }
    }

    /** Copies and digests in one pass, so the digest is of the bytes written, not of a second read. */
    private static String copy(Path src, Path dst) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(src, LinkOption.NOFOLLOW_LINKS);
             OutputStream out = new DigestOutputStream(Files.newOutputStream(dst, java.nio.file.StandardOpenOption.CREATE_NEW), md)) {
            in.transferTo(out);
        }
        try {
            Files.setLastModifiedTime(dst, Files.getLastModifiedTime(src));
            Files.setPosixFilePermissions(dst, Files.getPosixFilePermissions(src));
        } catch (UnsupportedOperationException ignored) {
            // times and modes are a courtesy; content is what is verified
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }
}
