package orbit.bundle;

import orbit.OrbitException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundleArchiveTest {
    @TempDir
    Path tmp;

    /** A finished-looking bundle: job.json, a staged config with its index entry, artifacts with a manifest. */
    private Bundle sampleBundle(Path dir) throws IOException {
        JobSpec spec = new JobSpec(JobSpec.SCHEMA, "run1", null,
                new JobSpec.Entrypoint(List.of("python3", "train.py"), ".", Map.of(), List.of()),
                null, List.of(), null, List.of(), "2026-11-28T18:01:02.123Z", "dev");
        Bundle b = Bundle.create(dir, spec);
        Path config = dir.resolveSibling("config.yaml");
        Files.writeString(config, "lr: 0.001\nsteps: 40\n");
        Inputs.of(b).stage(config, "config.yaml", false); // writes inputs/.orbit-index.json
        Files.writeString(b.runtimeDir().resolve("runtime.log"), "staged\nprobed\n");
        Path ckpt = b.artifactsDir().resolve("checkpoints/v0-20261128-180102");
        Files.createDirectories(ckpt);
        Files.writeString(ckpt.resolve("logging.jsonl"), "{\"loss\":2.5,\"global_step/max_steps\":\"1/40\"}\n");
        Files.writeString(b.artifactsDir().resolve("training.log"), "step 1 loss 2.5\n");
        writeManifest(b);
        return b;
    }

    private static void writeManifest(Bundle b) throws IOException {
        List<Map<String, Object>> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(b.artifactsDir())) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                String rel = b.artifactsDir().relativize(p).toString();
                if (rel.equals("manifest.json")) continue;
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("path", rel);
                f.put("size", Files.size(p));
                f.put("sha256", BundleArchive.sha256(p));
                files.add(f);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema_version", "orbit.manifest.v1");
        m.put("run_id", "20261128T180102Z-3f9a");
        m.put("files", files);
        AtomicFile.writeJson(b.artifactsDir().resolve("manifest.json"), m);
    }

    private static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
        }
        return out;
    }

    /** Rewrites an archive, letting {@code edit} change each entry's name and content (null content drops it). */
    private interface EntryEdit {
        byte[] apply(TarArchiveEntry entry, byte[] content);
    }

    private static void rewrite(Path in, Path out, EntryEdit edit, Map<String, byte[]> extra) throws IOException {
        try (InputStream fin = Files.newInputStream(in);
             TarArchiveInputStream tin = new TarArchiveInputStream(new GzipCompressorInputStream(fin));
             OutputStream fout = Files.newOutputStream(out);
             TarArchiveOutputStream tout = new TarArchiveOutputStream(new GzipCompressorOutputStream(fout))) {
            tout.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry e;
            while ((e = tin.getNextEntry()) != null) {
                byte[] body = e.isFile() ? tin.readAllBytes() : new byte[0];
                byte[] edited = e.isFile() ? edit.apply(e, body) : body;
                if (edited == null) continue;
                TarArchiveEntry copy = new TarArchiveEntry(e.getName(), e.isDirectory() ? TarArchiveEntry.LF_DIR : TarArchiveEntry.LF_NORMAL);
                if (e.isDirectory()) copy = new TarArchiveEntry(e.getName());
                copy.setSize(e.isFile() ? edited.length : 0);
                tout.putArchiveEntry(copy);
                tout.write(edited);
                tout.closeArchiveEntry();
            }
            for (Map.Entry<String, byte[]> x : extra.entrySet()) {
                TarArchiveEntry add = new TarArchiveEntry(x.getKey(), true);
                add.setSize(x.getValue().length);
                tout.putArchiveEntry(add);
                tout.write(x.getValue());
                tout.closeArchiveEntry();
            }
        }
    }

    @Test
    void exportThenImportReproducesEveryFileAndVerifiesThem() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("out/run1.tar.gz");
        int packed = BundleArchive.export(b, archive);
        assertEquals(7, packed, "job.json, config.yaml, index, runtime.log, logging.jsonl, training.log, manifest.json");

        BundleRoot root = new BundleRoot(tmp.resolve("colleague"));
        BundleArchive.ImportReport report = BundleArchive.importArchive(archive, root);
        assertEquals(root.dir().resolve("run1"), report.bundle().path());
        assertEquals("run1", report.bundle().name());
        assertEquals(2, report.verifiedArtifacts());
        assertEquals(1, report.verifiedInputs());
        assertTrue(report.manifestPresent() && report.inputsIndexPresent());
        Map<String, byte[]> want = contents(b.path());
        Map<String, byte[]> got = new java.util.HashMap<>(contents(report.bundle().path()));
        // the one file import adds: the marker that this runtime/ came from elsewhere and is never signalled
        assertTrue(got.remove("runtime/imported.json") != null, "runtime/imported.json marks the import");
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) assertTrue(java.util.Arrays.equals(want.get(k), got.get(k)), k + " differs");
        try (Stream<Path> left = Files.list(root.dir())) {
            assertEquals(List.of(root.dir().resolve("run1")), left.toList(), "no temporary directory left beside the bundle");
        }
    }

    @Test
    void importUnderANewNameKeepsJobJsonUntouched() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        BundleRoot root = new BundleRoot(tmp.resolve("root"));
        BundleArchive.ImportReport r = BundleArchive.importArchive(archive, root, "run1-from-alice");
        assertEquals(root.dir().resolve("run1-from-alice"), r.bundle().path());
        assertEquals(Files.readString(b.jobFile()), Files.readString(r.bundle().jobFile()));
    }

    @Test
    void tamperedArtifactIsRefusedWithOneLineNamingTheFile() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        Path tampered = tmp.resolve("tampered.tar.gz");
        rewrite(archive, tampered, (e, body) -> e.getName().endsWith("training.log")
                ? "step 1 loss 0.1\n".getBytes(StandardCharsets.UTF_8) : body, Map.of());
        BundleRoot root = new BundleRoot(tmp.resolve("root"));
        OrbitException ex = assertThrows(OrbitException.class, () -> BundleArchive.importArchive(tampered, root));
        assertTrue(ex.getMessage().contains("artifacts/training.log"), ex.getMessage());
        assertTrue(ex.getMessage().contains("sha256"), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
        assertFalse(Files.exists(root.dir().resolve("run1")), "a refused archive leaves no bundle");
        try (Stream<Path> left = Files.list(root.dir())) {
            assertEquals(0, left.count(), "and no temporary directory");
        }
    }

    @Test
    void tamperedStagedInputIsRefusedAgainstTheInputsIndex() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        Path tampered = tmp.resolve("tampered.tar.gz");
        rewrite(archive, tampered, (e, body) -> e.getName().endsWith("config.yaml")
                ? "lr: 0.100\nsteps: 40\n".getBytes(StandardCharsets.UTF_8) : body, Map.of());
        OrbitException ex = assertThrows(OrbitException.class,
                () -> BundleArchive.importArchive(tampered, new BundleRoot(tmp.resolve("root"))));
        assertTrue(ex.getMessage().contains("inputs/config.yaml"), ex.getMessage());
    }

    @Test
    void artifactAddedAfterTheManifestIsRefused() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        Path added = tmp.resolve("added.tar.gz");
        rewrite(archive, added, (e, body) -> body, Map.of("run1/artifacts/extra.txt", "x".getBytes(StandardCharsets.UTF_8)));
        OrbitException ex = assertThrows(OrbitException.class,
                () -> BundleArchive.importArchive(added, new BundleRoot(tmp.resolve("root"))));
        assertTrue(ex.getMessage().contains("artifacts/extra.txt is not listed"), ex.getMessage());
    }

    @Test
    void dotDotEntryIsRefusedAndNothingIsWrittenOutside() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        Path evil = tmp.resolve("evil.tar.gz");
        rewrite(archive, evil, (e, body) -> body, Map.of("run1/../../escaped.txt", "pwned".getBytes(StandardCharsets.UTF_8)));
        BundleRoot root = new BundleRoot(tmp.resolve("root"));
        OrbitException ex = assertThrows(OrbitException.class, () -> BundleArchive.importArchive(evil, root));
        assertTrue(ex.getMessage().contains("run1/../../escaped.txt"), ex.getMessage());
        assertTrue(ex.getMessage().contains("outside the bundle"), ex.getMessage());
        assertFalse(Files.exists(tmp.resolve("escaped.txt")));
        assertFalse(Files.exists(root.dir().resolve("escaped.txt")));
        assertFalse(Files.exists(root.dir().resolve("run1")));
    }

    @Test
    void symlinkPointingOutOfTheBundleIsRefused() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        Path evil = tmp.resolve("evil.tar.gz");
        rewrite(archive, evil, (e, body) -> body, Map.of());
        // append a symlink entry by hand
        Path withLink = tmp.resolve("link.tar.gz");
        try (InputStream fin = Files.newInputStream(evil);
             TarArchiveInputStream tin = new TarArchiveInputStream(new GzipCompressorInputStream(fin));
             TarArchiveOutputStream tout = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(withLink)))) {
            TarArchiveEntry e;
            while ((e = tin.getNextEntry()) != null) {
                tout.putArchiveEntry(e);
                tin.transferTo(tout);
                tout.closeArchiveEntry();
            }
            TarArchiveEntry link = new TarArchiveEntry("run1/inputs/passwd", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("../../../../etc/passwd");
            tout.putArchiveEntry(link);
            tout.closeArchiveEntry();
        }
        BundleRoot root = new BundleRoot(tmp.resolve("root"));
        OrbitException ex = assertThrows(OrbitException.class, () -> BundleArchive.importArchive(withLink, root));
        assertTrue(ex.getMessage().contains("run1/inputs/passwd"), ex.getMessage());
        assertFalse(Files.exists(root.dir().resolve("run1")));
    }

    @Test
    void existingBundleIsNeverReplaced() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        BundleRoot root = new BundleRoot(tmp.resolve("root"));
        Path existing = root.dir().resolve("run1");
        Files.createDirectories(existing);
        Files.writeString(existing.resolve("notes.txt"), "mine");
        OrbitException ex = assertThrows(OrbitException.class, () -> BundleArchive.importArchive(archive, root));
        assertTrue(ex.getMessage().contains("already exists"), ex.getMessage());
        assertTrue(ex.getMessage().contains("--name"), ex.getMessage());
        assertEquals("mine", Files.readString(existing.resolve("notes.txt")));
        try (Stream<Path> files = Files.list(existing)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void notAnArchiveGivesOneLine() throws IOException {
        Path junk = tmp.resolve("junk.tar.gz");
        Files.writeString(junk, "not gzip");
        OrbitException ex = assertThrows(OrbitException.class,
                () -> BundleArchive.importArchive(junk, new BundleRoot(tmp.resolve("root"))));
        assertTrue(ex.getMessage().startsWith("cannot read archive junk.tar.gz"), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
    }

    /** The archive with {@code extra} entries appended, copied entry by entry. */
    private static void append(Path in, Path out, List<TarArchiveEntry> extra) throws IOException {
        try (InputStream fin = Files.newInputStream(in);
             TarArchiveInputStream tin = new TarArchiveInputStream(new GzipCompressorInputStream(fin));
             TarArchiveOutputStream tout = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(out)))) {
            tout.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry e;
            while ((e = tin.getNextEntry()) != null) {
                tout.putArchiveEntry(e);
                tin.transferTo(tout);
                tout.closeArchiveEntry();
            }
            for (TarArchiveEntry x : extra) {
                tout.putArchiveEntry(x);
                tout.closeArchiveEntry();
            }
        }
    }

    private static void assertNothingLeft(BundleRoot root) throws IOException {
        if (!Files.exists(root.dir())) return;
        try (Stream<Path> left = Files.list(root.dir())) {
            assertEquals(List.of(), left.toList(), "no bundle and no .import-* directory left behind");
        }
    }

    @Test
    void deviceAndFifoEntriesRefuseTheArchiveInsteadOfBecomingEmptyFiles() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        for (byte kind : new byte[] {TarArchiveEntry.LF_CHR, TarArchiveEntry.LF_BLK, TarArchiveEntry.LF_FIFO}) {
            Path evil = tmp.resolve("special-" + (char) kind + ".tar.gz");
            TarArchiveEntry special = new TarArchiveEntry("run1/runtime/zero", kind);
            append(archive, evil, List.of(special));
            BundleRoot root = new BundleRoot(tmp.resolve("root-" + (char) kind));
            OrbitException ex = assertThrows(OrbitException.class, () -> BundleArchive.importArchive(evil, root));
            String what = kind == TarArchiveEntry.LF_FIFO ? "a FIFO" : kind == TarArchiveEntry.LF_CHR ? "a character device" : "a block device";
            assertEquals("archive " + evil.getFileName() + " entry run1/runtime/zero is " + what + ", not a file of a bundle: refusing the archive",
                    ex.getMessage());
            assertNothingLeft(root);
        }
    }

    @Test
    void anImportLargerThanItsManifestSaysIsRefusedBeforeItIsUnpacked() throws IOException {
        Bundle b = sampleBundle(tmp.resolve("src/run1"));
        Path archive = tmp.resolve("run1.tar.gz");
        BundleArchive.export(b, archive);
        // training.log swapped for 64 MiB of zeros: a small archive, 64 MiB unpacked, the manifest says 16 bytes
        byte[] zeros = new byte[64 << 20];
        Path bomb = tmp.resolve("bomb.tar.gz");
        rewrite(archive, bomb, (e, body) -> e.getName().equals("run1/artifacts/training.log") ? zeros : body, Map.of());
        assertTrue(Files.size(bomb) < 1 << 20, "the archive itself is small: " + Files.size(bomb));
        BundleRoot root = new BundleRoot(tmp.resolve("root"));
        OrbitException ex = assertThrows(OrbitException.class, () -> BundleArchive.importArchive(bomb, root));
        assertEquals("archive bomb.tar.gz: artifacts/training.log would unpack to " + zeros.length + " bytes, " + BundleArchive.MANIFEST
                + " records 16: the archive was altered; refusing it before unpacking", ex.getMessage());
        assertNothingLeft(root);

        // files no record lists share a fixed allowance
        Path unlisted = tmp.resolve("unlisted.tar.gz");
        byte[] big = new byte[(int) BundleArchive.UNLISTED_LIMIT + 1];
        rewrite(archive, unlisted, (e, body) -> body, Map.of("run1/runtime/huge.log", big));
        ex = assertThrows(OrbitException.class, () -> BundleArchive.importArchive(unlisted, root));
        assertTrue(ex.getMessage().contains("would unpack to more than 256 MiB (at runtime/huge.log): refusing it before unpacking"), ex.getMessage());
        assertNothingLeft(root);
    }
}
