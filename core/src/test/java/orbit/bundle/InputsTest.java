package orbit.bundle;

import orbit.OrbitException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputsTest {
    @TempDir
    Path tmp;
    Bundle bundle;
    Inputs inputs;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        bundle = new BundleRoot(tmp.resolve("bundles")).create(JobSpec.builder("demo", List.of("python3", "train.py")).build());
        inputs = Inputs.of(bundle);
        src = Files.createDirectories(tmp.resolve("src"));
    }

    @Test
    void stagingRecordsSizeAndSha256OfEveryFile() throws Exception {
        Path data = Files.createDirectories(src.resolve("data"));
        Files.writeString(data.resolve("a.txt"), "hello");
        Files.createDirectories(data.resolve("sub"));
        Files.writeString(data.resolve("sub/b.txt"), "world!");
        Inputs.StageResult r = inputs.stage(data, null, false);
        assertEquals(new Inputs.StageResult("data", 2, 11, Inputs.Outcome.STAGED), r);
        InputsIndex index = inputs.index();
        assertEquals(List.of("data/a.txt", "data/sub/b.txt"), List.copyOf(index.files().keySet()));
        assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", index.files().get("data/a.txt").sha256());
        assertEquals(6, index.files().get("data/sub/b.txt").size());
        assertEquals("world!", Files.readString(bundle.inputsDir().resolve("data/sub/b.txt")));
        assertTrue(inputs.verify().isEmpty());
    }

    @Test
    void bytecodeCachesAreNeitherStagedNorReportedButAnEditedSourceIs() throws Exception {
        Path code = Files.createDirectories(src.resolve("code/pkg/__pycache__"));
        Files.writeString(src.resolve("code/pkg/mod.py"), "X = 1\n");
        Files.write(code.resolve("mod.cpython-311.pyc"), new byte[] {1, 2, 3});
        Files.write(src.resolve("code/stray.pyc"), new byte[] {4});
        inputs.stage(src.resolve("code"), null, false);
        assertEquals(List.of("code/pkg/mod.py"), List.copyOf(inputs.index().files().keySet()));

        // what an interpreter importing the staged code writes beside it
        Path cache = Files.createDirectories(bundle.inputsDir().resolve("code/pkg/__pycache__"));
        Files.write(cache.resolve("mod.cpython-312.pyc"), new byte[] {9});
        Files.write(bundle.inputsDir().resolve("code/pkg/mod.pyo"), new byte[] {9});
        assertEquals(List.of(), inputs.verify());
        Files.writeString(bundle.inputsDir().resolve("code/pkg/mod.py"), "X = 2\n");
        assertEquals(List.of("inputs/code/pkg/mod.py: content changed since it was staged (a hard-linked source edited in place?)"), inputs.verify());
    }

    @Test
    void stagingIdenticalContentAgainIsANoOp() throws Exception {
        Path cfg = Files.writeString(src.resolve("config.yaml"), "lr: 3e-4\n");
        inputs.stage(cfg, "configs/train.yaml", false);
        byte[] indexBefore = Files.readAllBytes(bundle.inputsDir().resolve(InputsIndex.FILE));
        assertEquals(Inputs.Outcome.UNCHANGED, inputs.stage(cfg, "configs/train.yaml", false).outcome());
        assertEquals(new String(indexBefore), Files.readString(bundle.inputsDir().resolve(InputsIndex.FILE)));
    }

    @Test
    void differentContentIsRefusedUnlessReplacedAndHistoryKeepsTheOldDigest() throws Exception {
        Path cfg = Files.writeString(src.resolve("config.yaml"), "lr: 3e-4\n");
        inputs.stage(cfg, null, false);
        String oldSha = inputs.index().files().get("config.yaml").sha256();
        Path cfg2 = Files.writeString(tmp.resolve("config2.yaml"), "lr: 1e-3\n");
        OrbitException e = assertThrows(OrbitException.class, () -> inputs.stage(cfg2, "config.yaml", false));
        assertEquals("stage: inputs/config.yaml is already staged with different content (config.yaml differs):"
                + " pass --replace to replace it (the old digests stay in the index history)", e.getMessage());
        assertEquals("lr: 3e-4\n", Files.readString(bundle.inputsDir().resolve("config.yaml")), "nothing replaced on refusal");

        assertEquals(Inputs.Outcome.REPLACED, inputs.stage(cfg2, "config.yaml", true).outcome());
        assertEquals("lr: 1e-3\n", Files.readString(bundle.inputsDir().resolve("config.yaml")));
        InputsIndex index = inputs.index();
        assertEquals(1, index.history().size());
        assertEquals(oldSha, index.history().get(0).sha256());
        assertEquals("config.yaml", index.history().get(0).path());
    }

    @Test
    void targetsEscapingInputsAreRefused() throws Exception {
        Path cfg = Files.writeString(src.resolve("c.txt"), "x");
        for (String bad : List.of("../job.json", "/etc/passwd", "a/../../x")) {
            OrbitException e = assertThrows(OrbitException.class, () -> inputs.stage(cfg, bad, false));
            assertEquals("stage: --as " + bad + " escapes inputs/: use a relative path inside the bundle's inputs/", e.getMessage());
        }
        assertFalse(Files.exists(bundle.path().resolve("x")));
    }

    @Test
    void symlinksOutsideTheSourceAreRefusedAndInsideOnesFollowed() throws Exception {
        Path data = Files.createDirectories(src.resolve("data"));
        Files.writeString(data.resolve("real.txt"), "inside");
        Files.createSymbolicLink(data.resolve("alias.txt"), data.resolve("real.txt"));
        inputs.stage(data, null, false);
        assertEquals("inside", Files.readString(bundle.inputsDir().resolve("data/alias.txt")));
        assertFalse(Files.isSymbolicLink(bundle.inputsDir().resolve("data/alias.txt")));

        Path secret = Files.writeString(tmp.resolve("secret.txt"), "outside");
        Path evil = Files.createDirectories(src.resolve("evil"));
        Files.createSymbolicLink(evil.resolve("link"), secret);
        OrbitException e = assertThrows(OrbitException.class, () -> inputs.stage(evil, null, false));
        assertTrue(e.getMessage().startsWith("stage: link is a symlink to "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", outside the source: copy that file in or stage it separately"), e.getMessage());
        assertFalse(Files.exists(bundle.inputsDir().resolve("evil")));
    }

    @Test
    void verifyReportsAStagedFileChangedAfterwards() throws Exception {
        Path cfg = Files.writeString(src.resolve("c.txt"), "x");
        inputs.stage(cfg, null, false);
        Path staged = bundle.inputsDir().resolve("c.txt");
        Files.delete(staged);
        Files.writeString(staged, "tampered");
        assertEquals(List.of("inputs/c.txt: content changed since it was staged (a hard-linked source edited in place?)"), inputs.verify());
    }

    @Test
    void theIndexNameIsReserved() throws Exception {
        Path cfg = Files.writeString(src.resolve("c.txt"), "x");
        assertThrows(OrbitException.class, () -> inputs.stage(cfg, InputsIndex.FILE, false));
    }

    /** Everything under inputs/ (names only): a refused stage leaves exactly what was there, no .orbit-staging-*. */
    private List<String> inputsListing() throws Exception {
        try (var walk = Files.walk(bundle.inputsDir())) {
            return walk.map(p -> bundle.inputsDir().relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aDeviceIsRefusedInOneLineWithoutBeingRead() throws Exception {
        List<String> before = inputsListing();
        OrbitException e = assertThrows(OrbitException.class, () -> inputs.stage(Path.of("/dev/zero"), "zeros.bin", false));
        assertEquals("stage: /dev/zero is a character device, not a regular file: stage regular files or directories of them", e.getMessage());
        // a link to it is judged by what it points at
        Path link = Files.createSymbolicLink(src.resolve("zero-link"), Path.of("/dev/zero"));
        e = assertThrows(OrbitException.class, () -> inputs.stage(link, null, false));
        assertTrue(e.getMessage().contains("a character device") && !e.getMessage().contains("\n"), e.getMessage());
        assertEquals(before, inputsListing());
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aFifoIsRefusedAndNeverOpened() throws Exception {
        Path fifo = src.resolve("pipe");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        List<String> before = inputsListing();
        OrbitException e = assertThrows(OrbitException.class, () -> inputs.stage(fifo, null, false));
        assertEquals("stage: " + fifo + " is a FIFO, not a regular file: stage regular files or directories of them", e.getMessage());
        // inside a staged directory too
        Path data = Files.createDirectories(src.resolve("data"));
        Files.writeString(data.resolve("a.txt"), "hello");
        assertEquals(0, new ProcessBuilder("mkfifo", data.resolve("b.pipe").toString()).start().waitFor());
        e = assertThrows(OrbitException.class, () -> inputs.stage(data, null, false));
        assertEquals("stage: b.pipe is a FIFO, not a regular file: remove it from the source, then stage again", e.getMessage());
        assertEquals(before, inputsListing());
        assertTrue(inputs.index().files().isEmpty());
    }

    @Test
    void anAsPathThroughASymlinkInsideInputsIsRefused() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createDirectories(bundle.inputsDir());
        Files.createSymbolicLink(bundle.inputsDir().resolve("data"), outside);
        Path cfg = Files.writeString(src.resolve("config.yaml"), "lr: 3e-4\n");
        List<String> before = inputsListing();
        OrbitException e = assertThrows(OrbitException.class, () -> inputs.stage(cfg, "data/config.yaml", false));
        assertEquals("stage: --as data/config.yaml goes through inputs/data, a symlink, which could lead out of the bundle: choose a path without links",
                e.getMessage());
        e = assertThrows(OrbitException.class, () -> inputs.stage(cfg, "data/deeper/config.yaml", true));
        assertTrue(e.getMessage().contains("goes through inputs/data, a symlink"), e.getMessage());
        try (var left = Files.list(outside)) {
            assertEquals(0, left.count(), "nothing written through the link");
        }
        assertEquals(before, inputsListing());
    }
}
