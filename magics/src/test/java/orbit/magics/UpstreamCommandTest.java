package orbit.magics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** `orbit upstream ...` through the real entry point, and `%upstream ...` through the magic path, on real git repositories. */
class UpstreamCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    Result orbit(Map<String, String> env, String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--root", tmp.resolve("bundles").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    Result orbit(String... args) throws IOException, InterruptedException {
        return orbit(Map.of(), args);
    }

    static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git", "-c", "user.name=ORBIT test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.strip();
    }

    /** A repository whose run.sh writes out/result.txt; returns its commit. */
    String repo(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("run.sh"), "mkdir -p out && echo 42 > out/result.txt\n");
        git(dir, "init", "-q");
        git(dir, "add", "-A");
        git(dir, "commit", "-q", "-m", "first");
        return git(dir, "rev-parse", "HEAD");
    }

    @Test
    void pinCheckRunThroughTheCli() throws Exception {
        String commit = repo(tmp.resolve("src"));
        assertEquals(0, orbit("bundle", "new", "demo", "--", "true").code());

        Result pinned = orbit("upstream", "pin", "demo", "env", "src", " " + commit.toUpperCase(Locale.ROOT) + " ", "--", "bash", "run.sh");
        assertEquals(0, pinned.code(), pinned.err());
        assertTrue(pinned.out().startsWith("pinned env of demo at " + commit + " from " + tmp.resolve("src")), pinned.out());
        String job = Files.readString(tmp.resolve("bundles/demo/job.json"));
        assertTrue(job.contains("\"command\" : [ \"bash\", \"run.sh\" ]"), job);

        Result check = orbit("upstream", "check", "demo");
        assertEquals(0, check.code(), check.err());
        assertEquals("upstream env: clean at " + commit + "\n", check.out());

        Result run = orbit("upstream", "run", "demo", "env");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().matches("upstream env run \\S+: exit 0, 3 raw files, checkout clean: \\S+orbit-manifest.json\n"), run.out());

        Files.writeString(tmp.resolve("bundles/demo/inputs/upstream/env/run.sh"), "echo patched\n");
        Result dirty = orbit("upstream", "check", "demo", "env");
        assertEquals(1, dirty.code());
        assertEquals("upstream env: modified: run.sh\n", dirty.out());
        assertEquals(1, dirty.err().lines().count(), dirty.err());

        Result remote = orbit("upstream", "run", "demo", "env", "--target", "ssh://gpu-host");
        assertEquals(1, remote.code());
        assertEquals("orbit: error: --target ssh://gpu-host: only the local target runs upstreams for now: run it without --target\n", remote.err());

        Result bad = orbit("upstream", "pin", "demo", "env2", "src", commit.substring(0, 12));
        assertEquals(1, bad.code());
        assertEquals("orbit: error: job.json: upstream[1].commit = \"" + commit.substring(0, 12)
                + "\": must be an exact 40-character lowercase hex git commit, not a branch, tag or short hash\n", bad.err());
    }

    @Test
    void withoutGitThePinIsOneLine() throws Exception {
        String commit = repo(tmp.resolve("src"));
        assertEquals(0, orbit("bundle", "new", "nogit", "--", "true").code());
        Files.createDirectories(tmp.resolve("empty-path"));
        Result r = orbit(Map.of("PATH", tmp.resolve("empty-path").toString()), "upstream", "pin", "nogit", "env", "src", commit);
        assertEquals(1, r.code());
        assertEquals("orbit: error: git is not installed here (needed to stage and check pinned upstreams): install git, e.g. `apt-get install git`\n", r.err());
    }

    @Test
    void bundleNewUpstreamNormalisesTheCommit() throws Exception {
        String commit = "0123456789ABCDEF0123456789ABCDEF01234567";
        Result r = orbit("bundle", "new", "norm", "--upstream", "env=https://example.org/env.git@ " + commit + " ", "--", "true");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(tmp.resolve("bundles/norm/job.json")).contains("\"commit\" : \"" + commit.toLowerCase(Locale.ROOT) + "\""));
        Result shortHash = orbit("bundle", "new", "short", "--upstream", "env=https://example.org/env.git@0123456", "--", "true");
        assertEquals(1, shortHash.code());
        assertTrue(shortHash.err().contains("must be an exact 40-character lowercase hex git commit"), shortHash.err());
    }

    @Test
    void theMagicTakesTheSameGrammar() throws Exception {
        String commit = repo(tmp.resolve("src"));
        NvmlCommandTest.RecordingConsole c = new NvmlCommandTest.RecordingConsole();
        String root = "--root " + tmp.resolve("bundles");
        assertEquals(0, Commands.runMagic(c, "%bundle new magic " + root + " -- true"), c.err.toString());
        assertEquals(0, Commands.runMagic(c, "%upstream pin magic env " + tmp.resolve("src") + " " + commit + " " + root + " -- bash run.sh"), c.err.toString());
        assertEquals(0, Commands.runMagic(c, "%upstream check magic " + root), c.err.toString());
        assertTrue(c.out.toString().contains("upstream env: clean at " + commit), c.out.toString());
    }
}
