package orbit.magics;

import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundleExportImportCommandTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Console console = new TerminalConsole(new PrintWriter(out), new PrintWriter(err));

    private int orbit(String... args) {
        return Commands.run(console, List.of(args));
    }

    private void makeBundle(Path root, String name) throws IOException {
        Bundle b = Bundle.create(root.resolve(name), new JobSpec(JobSpec.SCHEMA, name, null,
                new JobSpec.Entrypoint(List.of("python3", "train.py"), ".", Map.of(), List.of()),
                null, List.of(), null, List.of(), null, "dev"));
        Files.writeString(b.runtimeDir().resolve("runtime.log"), "staged\n");
    }

    @Test
    void exportedBundleImportsUnderAnotherRootAndRefusesASecondImport() throws IOException {
        Path alice = tmp.resolve("alice");
        Path bob = tmp.resolve("bob");
        makeBundle(alice, "run1");
        Path archive = tmp.resolve("run1.tar.gz");
        assertEquals(0, orbit("--root", alice.toString(), "bundle", "export", "run1", "--out", archive.toString()), err.toString());
        assertTrue(out.toString().contains("exported run1"), out.toString());

        assertEquals(0, orbit("--root", bob.toString(), "bundle", "import", archive.toString()), err.toString());
        assertEquals("staged\n", Files.readString(bob.resolve("run1/runtime/runtime.log")));
        assertTrue(out.toString().contains("imported run1"), out.toString());

        err.getBuffer().setLength(0);
        assertEquals(1, orbit("--root", bob.toString(), "bundle", "import", archive.toString()));
        String[] lines = err.toString().strip().split("\n");
        assertEquals(1, lines.length, err.toString());
        assertTrue(lines[0].startsWith("orbit: error: bundle run1 already exists"), lines[0]);

        assertEquals(0, orbit("--root", bob.toString(), "bundle", "import", archive.toString(), "--name", "run1-copy"), err.toString());
        assertTrue(Files.isRegularFile(bob.resolve("run1-copy/job.json")));
    }

    @Test
    void replaceMovesTheExistingBundleAsideAndSaysWhere() throws IOException {
        Path root = tmp.resolve("root");
        makeBundle(root, "run1");
        Path archive = tmp.resolve("run1.tar.gz");
        assertEquals(0, orbit("--root", root.toString(), "bundle", "export", "run1", "--out", archive.toString()), err.toString());
        Files.writeString(root.resolve("run1/runtime/runtime.log"), "local notes\n");
        assertEquals(0, orbit("--root", root.toString(), "bundle", "import", archive.toString(), "--replace"), err.toString());
        assertTrue(out.toString().contains("moved the existing bundle run1 to " + root.resolve(".replaced")), out.toString());
        assertEquals("staged\n", Files.readString(root.resolve("run1/runtime/runtime.log")));
        try (var moved = Files.list(root.resolve(".replaced"))) {
            Path old = moved.findFirst().orElseThrow();
            assertEquals("local notes\n", Files.readString(old.resolve("runtime/runtime.log")), "nothing collected is lost");
        }
    }

    @Test
    void bundleNewReplaceRunsTwice() {
        String root = tmp.resolve("b").toString();
        for (int i = 0; i < 2; i++) {
            assertEquals(0, orbit("--root", root, "bundle", "new", "demo", "--replace", "--", "python3", "inputs/t.py"), err.toString());
        }
        assertTrue(out.toString().contains("moved the existing bundle demo to"), out.toString());
        assertEquals(1, orbit("--root", root, "bundle", "new", "demo", "--", "python3", "inputs/t.py"));
        assertTrue(err.toString().contains("already exists"), err.toString());
    }

    @Test
    void missingArchiveIsOneLineAndExitOne() {
        assertEquals(1, orbit("--root", tmp.toString(), "bundle", "import", tmp.resolve("nope.tar.gz").toString()));
        assertTrue(err.toString().startsWith("orbit: error: no archive at"), err.toString());
        assertEquals(1, err.toString().strip().split("\n").length);
    }

    @Test
    void exportWithoutOutIsAUsageError() throws IOException {
        makeBundle(tmp, "run1");
        assertEquals(2, orbit("--root", tmp.toString(), "bundle", "export", "run1"));
        assertTrue(err.toString().contains("--out"), err.toString());
    }
}
