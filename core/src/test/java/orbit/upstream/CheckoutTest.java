package orbit.upstream;

import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.launch.LaunchOptions;
import orbit.launch.LocalTarget;
import orbit.launch.RunState;
import orbit.launch.RunStatus;
import orbit.artifacts.PrecheckFacts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The clean-tree check, by `upstream check` and by the precheck of a real local launch. */
class CheckoutTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Bundle pinned(String name) {
        Path src = GitRepos.repo(dir.resolve(name + "-src"), Map.of("env.py", "x = 1\n", ".gitignore", "*.log\ncache/\n", "sub/b.txt", "b\n"));
        Bundle b = Bundle.create(dir.resolve(name), JobSpec.builder(name, List.of("touch", dir.resolve(name + "-trained").toString())).build());
        return Pinning.pin(b, "env", src.toString(), GitRepos.head(src), List.of("true")).bundle();
    }

    private static Checkout.Verdict check(Bundle b) {
        return Checkout.check(b, b.job().upstream().get(0));
    }

    @Test
    void aModifiedTrackedFileStopsTheCheckWithItsPath() throws IOException {
        Bundle b = pinned("modified");
        assertTrue(check(b).ok(), check(b).lines()::toString);
        Files.writeString(Checkout.dir(b, "env").resolve("sub/b.txt"), "changed\n");
        Checkout.Verdict v = check(b);
        assertFalse(v.ok());
        assertEquals(List.of("upstream env: modified: sub/b.txt"), v.lines());
    }

    @Test
    void anUntrackedFileStopsTheCheckWithItsPath() throws IOException {
        Bundle b = pinned("untracked");
        Files.createDirectories(Checkout.dir(b, "env").resolve("new/deeper"));
        Files.writeString(Checkout.dir(b, "env").resolve("new/deeper/file name.txt"), "n\n");
        assertEquals(List.of("upstream env: untracked: new/deeper/file name.txt"), check(b).lines());
    }

    @Test
    void ignoredFilesDoNotCount() throws IOException {
        Bundle b = pinned("ignored");
        Files.writeString(Checkout.dir(b, "env").resolve("run.log"), "l\n");
        Files.createDirectories(Checkout.dir(b, "env").resolve("cache"));
        Files.writeString(Checkout.dir(b, "env").resolve("cache/x"), "c\n");
        assertTrue(check(b).ok(), check(b).lines()::toString);
    }

    @Test
    void anotherHeadIsReportedWithTheActualCommit() throws IOException {
        Bundle b = pinned("moved");
        Path co = Checkout.dir(b, "env");
        Files.writeString(co.resolve("env.py"), "x = 2\n");
        GitRepos.git(co, "commit", "-q", "-am", "local change");
        String head = GitRepos.head(co);
        assertEquals(List.of("upstream env: HEAD is " + head + ", pinned " + b.job().upstream().get(0).commit()), check(b).lines());
    }

    @Test
    void checkingNeverRewritesTheIndex() throws IOException {
        Bundle b = pinned("index");
        Path co = Checkout.dir(b, "env");
        // a tracked file whose stat data no longer matches the index: a plain `git status` would refresh the index
        Files.setLastModifiedTime(co.resolve("env.py"), FileTime.from(Instant.now().plusSeconds(60)));
        byte[] index = Files.readAllBytes(co.resolve(".git/index"));
        FileTime mtime = Files.getLastModifiedTime(co.resolve(".git/index"));
        assertTrue(check(b).ok());
        assertArrayEquals(index, Files.readAllBytes(co.resolve(".git/index")));
        assertEquals(mtime, Files.getLastModifiedTime(co.resolve(".git/index")));
    }

    @Test
    void aDirtyUpstreamStopsALocalLaunchAsPrecheckFailedWithThePaths() throws Exception {
        Bundle b = pinned("launchdirty");
        Path co = Checkout.dir(b, "env");
        Files.writeString(co.resolve("env.py"), "x = 'patched'\n");
        Files.writeString(co.resolve("extra.py"), "y = 1\n");
        RunStatus st = new LocalTarget().launch(b, LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1))).waitFor(WAIT);
        assertEquals(RunState.PRECHECK_FAILED, st.state(), st::line);
        String log = Files.readString(b.artifactsDir().resolve("runtime-precheck.log"));
        assertTrue(log.contains("upstream env: modified: env.py"), log);
        assertTrue(log.contains("upstream env: untracked: extra.py"), log);
        assertFalse(Files.exists(dir.resolve("launchdirty-trained")), "training ran after a failed precheck");
        PrecheckFacts facts = PrecheckFacts.read(b.artifactsDir().resolve("precheck.json"));
        assertEquals(List.of("upstream env: modified: env.py", "upstream env: untracked: extra.py"), facts.failures());
    }

    @Test
    void aMovedHeadStopsALocalLaunchWithTheActualHead() throws Exception {
        Bundle b = pinned("launchhead");
        Path co = Checkout.dir(b, "env");
        Files.writeString(co.resolve("env.py"), "x = 3\n");
        GitRepos.git(co, "commit", "-q", "-am", "drift");
        String head = GitRepos.head(co);
        RunStatus st = new LocalTarget().launch(b, LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1))).waitFor(WAIT);
        assertEquals(RunState.PRECHECK_FAILED, st.state(), st::line);
        String log = Files.readString(b.artifactsDir().resolve("runtime-precheck.log"));
        assertTrue(log.contains("upstream env: HEAD is " + head + ", pinned " + b.job().upstream().get(0).commit()), log);
    }

    @Test
    void aCleanUpstreamPassesTheLaunchPrecheck() throws Exception {
        Bundle b = pinned("launchclean");
        Files.writeString(Checkout.dir(b, "env").resolve("ignored.log"), "ignored files do not count\n");
        RunStatus st = new LocalTarget().launch(b, LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1))).waitFor(WAIT);
        assertEquals(RunState.SUCCEEDED, st.state(), st::line);
        String log = Files.readString(b.artifactsDir().resolve("runtime-precheck.log"));
        assertTrue(log.contains("upstream env: clean at " + b.job().upstream().get(0).commit()), log);
        assertTrue(Files.exists(dir.resolve("launchclean-trained")));
        assertTrue(check(b).ok(), "the precheck left the checkout as it was");
    }
}
