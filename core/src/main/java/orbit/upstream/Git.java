package orbit.upstream;

import orbit.OrbitException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The git client, run as a process with an argv (never a shell). Variables that would point git at another
 * repository or index (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, ...) are removed, so every call sees the
 * checkout it is run in and nothing else.
 */
final class Git {
    /** The one line a missing git becomes. */
    static final String MISSING = "git is not installed here (needed to stage and check pinned upstreams): install git, e.g. `apt-get install git`";

    private Git() {}

    /** What one git call printed. stdout is kept as bytes: status -z output is NUL-separated paths. */
    record Result(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8).strip();
        }

        String firstErrorLine() {
            return stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse("exit " + exit);
        }
    }

    /** Runs {@code git ARGS} in {@code dir} (null: the current directory). */
    static Result run(Path dir, String... args) {
        List<String> argv = new ArrayList<>(args.length + 1);
        argv.add("git");
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_") && !k.equals("GIT_SSH_COMMAND") && !k.equals("GIT_TERMINAL_PROMPT"));
        pb.environment().put("GIT_TERMINAL_PROMPT", "0"); // a URL that wants a password fails instead of waiting for one
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new OrbitException(MISSING);
        }
        try (InputStream out = p.getInputStream(); InputStream err = p.getErrorStream()) {
            CompletableFuture<byte[]> errBytes = CompletableFuture.supplyAsync(() -> readAll(err));
            byte[] stdout = readAll(out);
            int exit = p.waitFor();
            return new Result(exit, stdout, new String(errBytes.join(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new OrbitException("git " + String.join(" ", args) + " was interrupted: run it again");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the output of git " + args[0], e);
        }
    }

    /** Like {@link #run} but a non-zero exit becomes {@code what: git's last error line}. */
    static Result check(Path dir, String what, String... args) {
        Result r = run(dir, args);
        if (r.exit() != 0) throw new OrbitException(what + ": " + r.firstErrorLine());
        return r;
    }

    private static byte[] readAll(InputStream in) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
