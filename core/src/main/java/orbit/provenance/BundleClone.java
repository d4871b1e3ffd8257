package orbit.provenance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.Bundle;
import orbit.bundle.BundleRoot;
import orbit.bundle.BytecodeCache;
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
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A faithful re-run: a new bundle with the same job.json (new name and creation time) and the same staged
 * inputs, each verified against its recorded sha256 while it is copied. job.json's {@code reference} records how
 * the source run's critical dependencies resolved, so the clone's precheck can say which still resolve the same.
 *
 * <p>Inputs are copied, and hard-linked only when the source file has no write permission for anyone: a hard link
 * is the same file under two names, so an in-place edit in either bundle would silently change the other's
 * evidence. A read-only file was made immutable on purpose, and sharing it costs no space. The clone is built in a
 * private directory beside its final place and renamed there once every input checked out, so a refused or
 * interrupted clone leaves nothing behind; one that was killed outright leaves a draft {@link PartialClones} removes.
 */
public final class BundleClone {
    private BundleClone() {}

    /** What a clone did. */
    public record Result(Bundle bundle, String from, int files, long bytes, int linked, String reference, int staleRemoved) {
        public String line() {
            return "cloned " + from + " as " + bundle.name() + " at " + bundle.path() + ": " + files + (files == 1 ? " input" : " inputs")
                    + " verified by sha256 (" + linked + " hard-linked read-only, " + (files - linked) + " copied)"
                    + (reference == null ? "; no precheck to compare dependencies with" : "; dependencies will be compared with " + reference)
                    + (staleRemoved == 0 ? "" : "; removed " + staleRemoved + " unfinished clone" + (staleRemoved == 1 ? "" : "s")
                    + " left by an interrupted `bundle clone`");
        }
    }

    public static Result clone(BundleRoot root, RunRef from, String newName) {
        JobSpec spec = clonedJob(from, newName);
        Path dest = root.dir().resolve(spec.name());
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new OrbitException("bundle " + newName + " already exists at " + dest + ": pick another name");
        }
        int stale = PartialClones.removeStale(root.dir());
        Path building = root.dir().resolve("." + spec.name() + PartialClones.INFIX + UUID.randomUUID());
        // Ctrl-C or a kill ends the JVM without this method's finally: the hook stops the copy and removes the draft
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch left = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                left.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            PartialClones.delete(building);
        }, "orbit-clone-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Files.createDirectories(root.dir());
            PartialClones.start(building);
            Bundle draft = Bundle.create(building, spec);
            int linked = 0;
            long bytes = 0;
            Path srcInputs = from.bundle().inputsDir().toAbsolutePath().normalize();
            Map<String, InputsIndex.Entry> files = inputs(from);
            for (Map.Entry<String, InputsIndex.Entry> e : files.entrySet()) {
                if (stop.get() || Thread.currentThread().isInterrupted()) {
                    throw new OrbitException("clone of " + from.label() + " interrupted: " + newName + " was not created");
                }
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
                String got = readOnly(src) ? link(src, dst, stop) : copy(src, dst, stop);
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
            AtomicFile.writeJson(draft.inputsDir().resolve(InputsIndex.FILE), new InputsIndex(InputsIndex.SCHEMA, files, List.of()));
            try {
                Files.move(building, dest, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                throw new OrbitException("bundle " + newName + " appeared at " + dest + " while cloning: pick another name");
            } catch (AtomicMoveNotSupportedException e) {
                throw new OrbitException("cannot rename the clone into " + dest + ": " + e.getMessage());
            }
            PartialClones.finish(dest);
            return new Result(Bundle.open(dest), from.label(), files.size(), bytes, linked,
                    spec.reference() == null ? null : spec.reference().source(), stale);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clone " + from.label() + " into " + dest, e);
        } finally {
            try {
                PartialClones.delete(building);
            } finally {
                left.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it finds the draft gone
                }
            }
        }
    }

    /** The source's staged inputs; bytecode caches an older index may list are no inputs, so they are not carried over. */
    private static Map<String, InputsIndex.Entry> inputs(RunRef from) {
        Map<String, InputsIndex.Entry> files = new TreeMap<>();
        from.inputs().files().forEach((k, v) -> {
            if (!BytecodeCache.isCache(k)) files.put(k, v);
        });
        return files;
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
    private static String link(Path src, Path dst, AtomicBoolean stop) throws IOException {
        try {
            Files.createLink(dst, src);
            return "linked";
        } catch (IOException | UnsupportedOperationException e) {
            return copy(src, dst, stop);
        }
    }

    /** Copies and digests in one pass, so the digest is of the bytes written, not of a second read; stops when asked. */
    private static String copy(Path src, Path dst, AtomicBoolean stop) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(src, LinkOption.NOFOLLOW_LINKS);
             OutputStream out = new DigestOutputStream(Files.newOutputStream(dst, java.nio.file.StandardOpenOption.CREATE_NEW), md)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (stop.get()) throw new OrbitException("clone interrupted while copying " + src.getFileName());
                out.write(buf, 0, n);
            }
        }
        try {
            Files.setLastModifiedTime(dst, Files.getLastModifiedTime(src));
            Files.setPosixFilePermissions(dst, Files.getPosixFilePermissions(src));
        } catch (UnsupportedOperationException ignored) {
            // times and modes are a courtesy; content is what is verified
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
