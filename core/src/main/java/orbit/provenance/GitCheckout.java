package orbit.provenance;

import orbit.OrbitException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What git says about a fork's source directory: its remote, its HEAD, and which paths differ from a commit.
 * Only read-only plumbing is run, with the checkout's fsmonitor turned off, so that reading a checkout never
 * starts a program its configuration names.
 */
public record GitCheckout(Path dir) {
    private static final long TIMEOUT_SECONDS = 30;

    /** The checkout containing {@code dir}, or empty when git is missing or {@code dir} is not in a work tree. */
    public static Optional<GitCheckout> at(Path dir) {
        try {
            Result r = git(dir, "rev-parse", "--is-inside-work-tree");
            if (r.code() == 0) return r.out().strip().equals("true") ? Optional.of(new GitCheckout(dir)) : Optional.empty();
            if (r.err().contains("not a git repository")) return Optional.empty();
            // a checkout git refuses to read (e.g. owned by another user) must not pass for a plain directory
            throw new OrbitException("git cannot read the checkout " + dir + ": " + r.err().lines().findFirst().orElse("exit " + r.code())
                    + ": fix that, or pass --repository and --commit for a copy of it that is not a checkout");
        } catch (UncheckedIOException e) {
            return Optional.empty(); // no git on this machine: the directory is staged as a plain one
        }
    }

    /** The URL of the remote named origin, else of the first remote; empty when the checkout has none. */
    public Optional<String> remoteUrl() {
        Result remotes = git(dir, "remote");
        List<String> names = remotes.out().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) return Optional.empty();
        String name = names.contains("origin") ? "origin" : names.get(0);
        Result url = git(dir, "remote", "get-url", name);
        return url.code() == 0 && !url.out().isBlank() ? Optional.of(url.out().strip()) : Optional.empty();
    }

    /** The work tree's top directory, used as the repository when there is no remote. */
    public Path topLevel() {
        return Path.of(ok(git(dir, "rev-parse", "--show-toplevel"), "rev-parse --show-toplevel").strip());
    }

    /** HEAD as a full commit id; one line when the checkout has no commit yet. */
    public String head() {
        Result r = git(dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}");
        if (r.code() != 0) {
            throw new OrbitException("fork source " + dir + " is a git checkout without a commit: commit it, or pass --repository and --commit");
        }
        return r.out().strip();
    }

    public boolean hasCommit(String commit) {
        return git(dir, "cat-file", "-e", commit + "^{commit}").code() == 0;
    }

    /**
     * Paths under {@code pathspec} (relative to {@link #dir}) whose content in the work tree differs from {@code commit}
     * (changed or deleted), and paths git does not track there (ignored files left out).
     */
    public Changes changesSince(String commit, String pathspec) {
        List<String> modified = split(ok(git(dir, "diff", "--no-ext-diff", "--no-renames", "--name-only", "-z", "--relative", commit, "--", pathspec),
                "diff --name-only " + commit));
        List<String> untracked = split(ok(git(dir, "ls-files", "-z", "--others", "--exclude-standard", "--", pathspec), "ls-files --others"));
        return new Changes(modified, untracked);
    }

    /** Paths relative to the checkout directory given to {@link #at}. */
    public record Changes(List<String> modified, List<String> untracked) {}

    private static List<String> split(String nulSeparated) {
        List<String> out = new ArrayList<>();
        for (String s : nulSeparated.split("\0")) if (!s.isEmpty()) out.add(s);
        return out;
    }

    private record Result(int code, String out, String err) {}

    private String ok(Result r, String what) {
        if (r.code() != 0) {
            throw new OrbitException("git " + what + " failed in " + dir + ": " + r.err().lines().findFirst().orElse("exit " + r.code())
                    + ": check the checkout with `git status`");
        }
        return r.out();
    }

    private static Result git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false",
                "-C", dir.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run git", e);
        }
        try {
            // both pipes drained on their own threads, so a stuck git is ended by the timeout, not by a full pipe
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new OrbitException("git " + String.join(" ", args) + " in " + dir + " did not finish in " + TIMEOUT_SECONDS
                        + " s: check the checkout with `git status`");
            }
            return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new OrbitException("interrupted while running git in " + dir);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream buf = new ByteArrayOutputStream()) {
            in.transferTo(buf);
            return buf.toByteArray();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
