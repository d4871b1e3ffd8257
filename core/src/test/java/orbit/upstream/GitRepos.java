package orbit.upstream;

import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Real git repositories made by the tests, and bundles to pin them into. */
final class GitRepos {
    private GitRepos() {}

    static String git(Path dir, String... args) {
        List<String> argv = new ArrayList<>(List.of("git", "-c", "user.name=ORBIT test", "-c", "user.email=test@example.org",
                "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"));
        argv.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), () -> "git " + String.join(" ", args) + ": " + out);
            return out.strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A repository with {@code files} (path → content) committed on main; returns its directory. */
    static Path repo(Path dir, Map<String, String> files) {
        try {
            Files.createDirectories(dir);
            git(dir, "init", "-q");
            write(dir, files);
            git(dir, "add", "-A");
            git(dir, "commit", "-q", "-m", "first");
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void write(Path dir, Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
    }

    static String head(Path repo) {
        return git(repo, "rev-parse", "HEAD");
    }

    /** An empty bundle that runs `true`. */
    static Bundle bundle(Path dir, String name) {
        return Bundle.create(dir.resolve(name), JobSpec.builder(name, List.of("true")).build());
    }
}
