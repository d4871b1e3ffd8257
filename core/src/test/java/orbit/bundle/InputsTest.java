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
}
