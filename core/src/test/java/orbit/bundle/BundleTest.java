package orbit.bundle;

import orbit.OrbitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundleTest {
    @TempDir
    Path root;

    static JobSpec demo() {
        return JobSpec.builder("demo", List.of("python3", "train.py", "--lr", "3e-4"))
                .gpus(1).memory("64G").maxRuntime("2h").env("SEED", "1").secretEnv("HF_TOKEN").criticalDep("torch")
                .upstream("affinetes", "https://example.org/affinetes.git", "0123456789abcdef0123456789abcdef01234567")
                .build();
    }

    @Test
    void createMakesExactlyTheFivePartLayout() throws Exception {
        Bundle b = new BundleRoot(root).create(demo());
        try (Stream<Path> top = Files.list(b.path())) {
            assertEquals(List.of("artifacts", "inputs", "job.json", "runtime", "scripts"),
                    top.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.isDirectory(b.inputsDir()));
    }

    @Test
    void ensureStructureAgainIsIdempotentAndKeepsContent() throws Exception {
        Bundle b = new BundleRoot(root).create(demo());
        Files.writeString(b.artifactsDir().resolve("training.log"), "step 1\n");
        b.ensureStructure();
        b.ensureStructure();
        assertEquals("step 1\n", Files.readString(b.artifactsDir().resolve("training.log")));
    }

    @Test
    void jobJsonRoundTripsThroughDisk() {
        JobSpec spec = demo();
        Bundle created = new BundleRoot(root).create(spec);
        Bundle opened = Bundle.open(created.path());
        assertEquals(spec, opened.job());
        assertEquals("orbit.job.v1", opened.job().schemaVersion());
        assertEquals(List.of("HF_TOKEN"), opened.job().entrypoint().secretEnv());
    }

    @Test
    void creatingAnExistingBundleIsRefusedAndLeavesItUntouched() throws Exception {
        Bundle b = new BundleRoot(root).create(demo());
        byte[] before = Files.readAllBytes(b.jobFile());
        OrbitException e = assertThrows(OrbitException.class, () -> new BundleRoot(root).create(demo()));
        assertTrue(e.getMessage().startsWith("bundle demo already exists"), e.getMessage());
        assertEquals(new String(before), Files.readString(b.jobFile()));
    }

    @Test
    void invalidSpecWritesNothing() {
        JobSpec bad = JobSpec.builder("demo", List.of("python3")).gpus(-1).build();
        assertThrows(OrbitException.class, () -> new BundleRoot(root).create(bad));
        assertFalse(Files.exists(root.resolve("demo")));
    }

    @Test
    void listShowsNameCreatedLastRunStateAndSize() throws Exception {
        BundleRoot r = new BundleRoot(root);
        Bundle a = r.create(demo());
        r.create(JobSpec.builder("other", List.of("true")).build());
        Files.writeString(a.runtimeDir().resolve("last_run.json"), "{\"state\":\"succeeded\"}");
        List<BundleSummary> all = r.list(orbit.launch.LastRun::stateOf);
        assertEquals(List.of("demo", "other"), all.stream().map(BundleSummary::name).toList());
        assertEquals("succeeded", all.get(0).lastRunState());
        assertEquals(null, all.get(1).lastRunState());
        assertTrue(all.get(0).sizeBytes() > 0);
        assertEquals(a.job().createdAt(), all.get(0).createdAt());
    }
}
