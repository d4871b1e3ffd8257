package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Inputs;
import orbit.bundle.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class PinningTest {
    private static final String REFUSAL = "must be an exact 40-character lowercase hex git commit, not a branch, tag or short hash";

    @TempDir
    Path dir;

    @Test
    void exactCommitIsStagedDetachedAsACopyAndRecordedInJobJson() throws IOException {
        Path src = GitRepos.repo(dir.resolve("src"), Map.of("env.py", "print('v1')\n", "pkg/data.txt", "d\n"));
        String commit = GitRepos.head(src);
        Bundle b = GitRepos.bundle(dir, "pinme");

        Pinning.Pinned p = Pinning.pin(b, "env", src.toString(), commit, List.of("python3", "env.py"));

        assertEquals(commit, GitRepos.git(p.checkout(), "rev-parse", "HEAD"));
        assertEquals("HEAD", GitRepos.git(p.checkout(), "rev-parse", "--abbrev-ref", "HEAD"), "detached");
        assertEquals("print('v1')\n", Files.readString(p.checkout().resolve("env.py")));
        JobSpec.UpstreamPin pin = Bundle.open(b.path()).job().upstream().get(0);
        assertEquals(new JobSpec.UpstreamPin("env", src.toAbsolutePath().normalize().toString(), commit, List.of("python3", "env.py")), pin);
        // --no-hardlinks: no file of the staged clone shares its inode with the source
        try (Stream<Path> walk = Files.walk(p.checkout())) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                assertEquals(1, (int) Files.getAttribute(f, "unix:nlink"), f + " is hard-linked");
            }
        }
        // editing the source does not edit the staged tree
        Files.writeString(src.resolve("env.py"), "print('edited')\n");
        assertEquals("print('v1')\n", Files.readString(p.checkout().resolve("env.py")));
        assertTrue(Checkout.check(Bundle.open(b.path()), pin).ok());
        // the checkout is vouched for by git, not by the inputs index
        assertEquals(List.of(), Inputs.of(b).verify());
    }

    @Test
    void shortHashBranchTagAnd39Or41CharactersAreRefusedAndNothingIsWritten() throws IOException {
        Path src = GitRepos.repo(dir.resolve("src"), Map.of("a.txt", "a\n"));
        String commit = GitRepos.head(src);
        GitRepos.git(src, "tag", "v1");
        Bundle b = GitRepos.bundle(dir, "refuse");
        byte[] job = Files.readAllBytes(b.jobFile());
        for (String bad : List.of(commit.substring(0, 7), "main", "v1", commit.substring(0, 39), commit + "0", "HEAD", "")) {
            OrbitException e = assertThrows(OrbitException.class, () -> Pinning.pin(b, "env", src.toString(), bad, List.of()), bad);
            assertTrue(e.getMessage().contains(REFUSAL), e.getMessage());
            assertTrue(e.getMessage().lines().count() == 1, e.getMessage());
        }
        assertArrayEquals(job, Files.readAllBytes(b.jobFile()));
        assertFalse(Files.exists(b.inputsDir().resolve("upstream/env")));
    }

    @Test
    void uppercaseAndSurroundingSpacesAreNormalised() {
        Path src = GitRepos.repo(dir.resolve("src"), Map.of("a.txt", "a\n"));
        String commit = GitRepos.head(src);
        Bundle b = GitRepos.bundle(dir, "norm");
        Pinning.Pinned p = Pinning.pin(b, "env", src.toString(), "  " + commit.toUpperCase(Locale.ROOT) + "\t\n", List.of());
        assertEquals(commit, p.pin().commit());
        assertEquals(commit, Bundle.open(b.path()).job().upstream().get(0).commit());
        assertNull(p.pin().command());
    }

    @Test
    void aCommitTheSourceDoesNotHaveIsOneLineAndStagesNothing() {
        Path src = GitRepos.repo(dir.resolve("src"), Map.of("a.txt", "a\n"));
        Bundle b = GitRepos.bundle(dir, "absent");
        OrbitException e = assertThrows(OrbitException.class,
                () -> Pinning.pin(b, "env", src.toString(), "0123456789abcdef0123456789abcdef01234567", List.of()));
        assertTrue(e.getMessage().startsWith("commit 0123456789abcdef0123456789abcdef01234567 is not in " + src), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertTrue(Bundle.open(b.path()).job().upstream().isEmpty());
        assertEquals(List.of(), Files.exists(b.inputsDir().resolve("upstream")) ? list(b.inputsDir().resolve("upstream")) : List.of());
    }

    @Test
    void namesFollowTheBundleRulesAndAreUnique() {
        Path src = GitRepos.repo(dir.resolve("src"), Map.of("a.txt", "a\n"));
        String commit = GitRepos.head(src);
        Bundle b = GitRepos.bundle(dir, "names");
        OrbitException slash = assertThrows(OrbitException.class, () -> Pinning.pin(b, "../x", src.toString(), commit, List.of()));
        assertTrue(slash.getMessage().contains("upstream[0].name"), slash.getMessage());
        Pinning.pin(b, "env", src.toString(), commit, List.of());
        OrbitException twice = assertThrows(OrbitException.class, () -> Pinning.pin(Bundle.open(b.path()), "env", src.toString(), commit, List.of()));
        assertTrue(twice.getMessage().startsWith("upstream env is already pinned in bundle names"), twice.getMessage());
    }

    private static List<Path> list(Path d) {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
