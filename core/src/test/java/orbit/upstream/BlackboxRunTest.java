package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Digests;
import orbit.bundle.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

class BlackboxRunTest {
    /** Creates a file, changes a tracked one, writes an ignored one and a bytecode-free import, prints to both streams. */
    private static final String SCRIPT = String.join("\n",
            "set -e",
            "mkdir -p out/deep",
            "printf 'result\\n' > out/deep/result.json",
            "printf 'changed by the run\\n' >> data.txt",
            "printf 'log\\n' > run.log",
            "python3 -c 'import envlib' ",
            "echo to-stdout; echo to-stderr >&2",
            "rm gone.txt",
            "exit 3");

    @TempDir
    Path dir;

    private Bundle pinned(List<String> command) {
        Path src = GitRepos.repo(dir.resolve("src"), Map.of("data.txt", "pinned\n", ".gitignore", "*.log\n", "envlib.py", "X = 1\n",
                "gone.txt", "g\n", "run.sh", SCRIPT + "\n"));
        Bundle b = Bundle.create(dir.resolve("b"), JobSpec.builder("b", List.of("true")).build());
        return Pinning.pin(b, "env", src.toString(), GitRepos.head(src), command).bundle();
    }

    @Test
    void aRunMovesWhatItCreatedOrChangedIntoArtifactsAndLeavesTheCheckoutClean() throws IOException {
        Bundle b = pinned(List.of("bash", "run.sh"));
        Files.writeString(Checkout.dir(b, "env").resolve("before.log"), "ignored and there before: stays\n");

        BlackboxManifest m = BlackboxRun.run(b, "env");

        Path runDir = b.artifactsDir().resolve("upstream/env").resolve(m.runId());
        assertEquals(m, BlackboxManifest.read(runDir));
        assertEquals(BlackboxManifest.SCHEMA, m.schemaVersion());
        assertEquals(3, m.exitCode());
        assertTrue(m.treeCleanBefore());
        assertTrue(m.treeCleanAfter());
        assertEquals(b.job().upstream().get(0).commit(), m.commit());
        assertEquals(List.of("bash", "run.sh"), m.command());
        Map<String, String> origins = m.artifacts().stream().collect(Collectors.toMap(BlackboxManifest.Artifact::path, BlackboxManifest.Artifact::origin));
        assertEquals(Map.of("out/deep/result.json", "created", "data.txt", "modified", "run.log", "ignored",
                "orbit-stdout.log", "stdout", "orbit-stderr.log", "stderr"), origins);
        for (BlackboxManifest.Artifact a : m.artifacts()) {
            Path f = runDir.resolve(a.path());
            assertEquals(Digests.sha256(f), a.sha256(), a.path());
            assertEquals(Files.size(f), a.size(), a.path());
        }
        assertEquals("pinned\nchanged by the run\n", Files.readString(runDir.resolve("data.txt")), "moved unchanged");
        assertEquals("to-stdout\n", Files.readString(runDir.resolve("orbit-stdout.log")));
        assertEquals(List.of("data.txt", "gone.txt"), m.restored().stream().sorted().toList());

        Path co = Checkout.dir(b, "env");
        assertTrue(Checkout.check(b, b.job().upstream().get(0)).ok());
        assertEquals("pinned\n", Files.readString(co.resolve("data.txt")));
        assertTrue(Files.exists(co.resolve("gone.txt")));
        assertFalse(Files.exists(co.resolve("out")), "the directories the run made are gone");
        assertFalse(Files.exists(co.resolve("__pycache__")), "PYTHONDONTWRITEBYTECODE");
        assertTrue(Files.exists(co.resolve("before.log")), "an ignored file that was there before and did not change stays");
        assertFalse(Files.exists(b.runtimeDir().resolve("last_run.json")), "upstream runs never touch the bundle's last_run.json");

        BlackboxManifest second = BlackboxRun.run(b, "env");
        assertNotEquals(m.runId(), second.runId());
        assertTrue(second.treeCleanAfter());
        assertEquals("pinned\n", Files.readString(runDir.resolve("../" + second.runId() + "/data.txt")).substring(0, 7));
    }

    @Test
    void aDirtyCheckoutIsNotRun() throws IOException {
        Bundle b = pinned(List.of("bash", "run.sh"));
        Files.writeString(Checkout.dir(b, "env").resolve("patch.py"), "p\n");
        OrbitException e = assertThrows(OrbitException.class, () -> BlackboxRun.run(b, "env"));
        assertTrue(e.getMessage().startsWith("upstream env: untracked: patch.py"), e.getMessage());
        assertFalse(Files.exists(b.artifactsDir().resolve("upstream")));
    }

    @Test
    void anUpstreamPinnedWithoutACommandIsOneLine() {
        Bundle b = pinned(null);
        OrbitException e = assertThrows(OrbitException.class, () -> BlackboxRun.run(b, "env"));
        assertTrue(e.getMessage().contains("was pinned without a command"), e.getMessage());
    }

    @Test
    void aCommandThatCannotStartIsOneLineAndTheAttemptIsRecorded() {
        Bundle b = pinned(List.of("no-such-program-orbit-test"));
        OrbitException e = assertThrows(OrbitException.class, () -> BlackboxRun.run(b, "env"));
        assertTrue(e.getMessage().startsWith("cannot start no-such-program-orbit-test in inputs/upstream/env"), e.getMessage());
    }
}
