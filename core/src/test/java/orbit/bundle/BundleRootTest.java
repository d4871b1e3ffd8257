package orbit.bundle;

import orbit.OrbitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundleRootTest {
    @TempDir
    Path tmp;

    @Test
    void explicitRootWinsOverEverything() throws Exception {
        Files.createDirectories(tmp.resolve("bundles"));
        assertEquals(tmp.resolve("mine"), BundleRoot.resolve(tmp.resolve("mine"), tmp.resolve("env").toString(), tmp).dir());
    }

    @Test
    void relativeExplicitRootIsTakenFromTheWorkingFolder() {
        assertEquals(tmp.resolve("x/y"), BundleRoot.resolve(Path.of("x/y"), null, tmp).dir());
    }

    @Test
    void environmentWinsOverANearbyBundlesFolder() throws Exception {
        Files.createDirectories(tmp.resolve("bundles"));
        assertEquals(tmp.resolve("env"), BundleRoot.resolve(null, tmp.resolve("env").toString(), tmp).dir());
    }

    @Test
    void blankEnvironmentIsIgnored() throws Exception {
        Files.createDirectories(tmp.resolve("bundles"));
        assertEquals(tmp.resolve("bundles"), BundleRoot.resolve(null, "  ", tmp).dir());
    }

    @Test
    void bundlesFolderInTheWorkingFolderIsFound() throws Exception {
        Files.createDirectories(tmp.resolve("bundles"));
        assertEquals(tmp.resolve("bundles"), BundleRoot.resolve(null, null, tmp).dir());
    }

    @Test
    void notebookInASubfolderSeesTheProjectsBundles() throws Exception {
        Path project = tmp.resolve("project");
        Files.createDirectories(project.resolve("bundles"));
        Path notebooks = Files.createDirectories(project.resolve("analysis/2026"));
        assertEquals(project.resolve("bundles"), BundleRoot.resolve(null, null, notebooks).dir());
    }

    @Test
    void theNearestBundlesFolderWins() throws Exception {
        Path project = tmp.resolve("project");
        Files.createDirectories(project.resolve("bundles"));
        Path sub = Files.createDirectories(project.resolve("sub"));
        Files.createDirectories(sub.resolve("bundles"));
        assertEquals(sub.resolve("bundles"), BundleRoot.resolve(null, null, sub.resolve("deeper")).dir());
    }

    @Test
    void aFileNamedBundlesIsNotARoot() throws Exception {
        Path here = Files.createDirectories(tmp.resolve("a/b"));
        Files.writeString(here.resolve("bundles"), "not a folder");
        Files.createDirectories(tmp.resolve("bundles"));
        assertEquals(tmp.resolve("bundles"), BundleRoot.resolve(null, null, here).dir());
    }

    @Test
    void withNoBundlesFolderAnywhereItIsBundlesInTheWorkingFolder() throws Exception {
        // /tmp's parents hold no bundles/ folder on a sane machine; a fresh subfolder has none of its own
        Path here = Files.createDirectories(tmp.resolve("fresh"));
        BundleRoot r = BundleRoot.resolve(null, null, here);
        if (!r.dir().startsWith(tmp)) return; // some parent of the temp folder has a bundles/: the rule found it
        assertEquals(here.resolve("bundles"), r.dir());
        assertFalse(Files.exists(r.dir()), "resolving creates nothing");
    }

    @Test
    void moveAsideKeepsTheOldBundleWholeAndFreesTheName() throws Exception {
        BundleRoot root = new BundleRoot(tmp.resolve("bundles"));
        Bundle first = root.create(JobSpec.builder("demo", List.of("python3", "inputs/t.py")).build());
        Files.writeString(first.path().resolve("artifacts/training.log"), "evidence\n");
        Path moved = root.moveAside("demo", orbit.launch.LastRun::stateOf).orElseThrow();
        assertTrue(moved.startsWith(root.dir().resolve(BundleRoot.REPLACED_DIR)), moved.toString());
        assertEquals("evidence\n", Files.readString(moved.resolve("artifacts/training.log")));
        assertFalse(Files.exists(first.path()));
        root.create(JobSpec.builder("demo", List.of("python3", "inputs/t.py")).build());
        assertEquals(List.of("demo"), root.list(orbit.launch.LastRun::stateOf).stream().map(BundleSummary::name).toList(), "the moved copy is not listed");
        Path again = root.moveAside("demo", orbit.launch.LastRun::stateOf).orElseThrow();
        assertFalse(again.equals(moved));
        assertTrue(Files.isDirectory(moved) && Files.isDirectory(again));
    }

    @Test
    void moveAsideOfNothingIsEmpty() {
        assertTrue(new BundleRoot(tmp.resolve("bundles")).moveAside("none", orbit.launch.LastRun::stateOf).isEmpty());
    }

    @Test
    void moveAsideRefusesWhileARunIsActive() throws Exception {
        BundleRoot root = new BundleRoot(tmp.resolve("bundles"));
        Bundle b = root.create(JobSpec.builder("busy", List.of("python3", "inputs/t.py")).build());
        Files.writeString(b.runtimeDir().resolve("last_run.json"), "{\"schema_version\":\"orbit.run.v1\",\"state\":\"running\"}");
        OrbitException e = assertThrows(OrbitException.class, () -> root.moveAside("busy", orbit.launch.LastRun::stateOf));
        assertTrue(e.getMessage().contains("in progress"), e.getMessage());
        assertTrue(Files.isRegularFile(b.path().resolve(Bundle.JOB_FILE)));
    }
}
