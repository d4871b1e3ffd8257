package orbit.provenance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.BytecodeCache;
import orbit.bundle.Inputs;
import orbit.bundle.JobSpec;
import orbit.bundle.JobSpecReader;
import orbit.bundle.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Stages a fork of a critical dependency: the module's top-level package (or module file) from a source
 * directory goes to inputs/PATH/, FORK_MANIFEST.json is written over exactly those files, job.json's
 * {@code fork} names it and the fork root goes first on the job's PYTHONPATH, so the precheck can prove
 * the fork is what training imports.
 *
 * <p>The files are first copied into a private tree inside inputs/ (bytecode caches left out) and staged from
 * there, so the staged fork is a snapshot: later edits in the source checkout do not reach it through a shared
 * hard link, and the manifest and the staged files come from the same bytes.
 */
public final class ForkStaging {
    private static final Pattern MODULE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** The reserved prefix of ORBIT's own files under inputs/ (never indexed, never reported by verify). */
    private static final String PRIVATE_PREFIX = ".orbit-fork-";

    private ForkStaging() {}

    /** What staging a fork did. Paths in {@code modified} and {@code untracked} are relative to the fork root. */
    public record Result(String path, String module, int files, Inputs.Outcome outcome, String repository, String commit,
                         List<String> modified, List<String> untracked, String pythonPath) {
        public String line() {
            String verb = switch (outcome) {
                case STAGED -> "staged";
                case REPLACED -> "replaced";
                case UNCHANGED -> "unchanged (already staged)";
            };
            StringBuilder sb = new StringBuilder(verb).append(": fork ").append(module).append(" at inputs/").append(path)
                    .append(" (").append(files).append(files == 1 ? " file" : " files").append(", FORK_MANIFEST.json");
            if (commit != null) sb.append(", upstream ").append(repository == null ? "?" : repository).append(" @ ").append(commit);
            if (modified != null) sb.append(", ").append(modified.size()).append(" modified, ").append(untracked.size()).append(" untracked");
            return sb.append("); PYTHONPATH=").append(pythonPath).toString();
        }
    }

    /**
     * Stages {@code module} from {@code source} as inputs/{@code as} (default forks/NAME, NAME being the source
     * directory's name). Bad input is one line and nothing is written.
     */
    public static Result stage(Bundle bundle, Path source, String module, String as, String repository, String commit, boolean replace) {
        if (module == null || !MODULE.matcher(module).matches()) {
            throw new OrbitException("--fork " + module + ": give an importable module name, e.g. --fork swift");
        }
        String pinned = commit == null ? null : commit.strip().toLowerCase(Locale.ROOT);
        if (pinned != null && !COMMIT.matcher(pinned).matches()) {
            throw new OrbitException("--commit " + commit + ": give the exact 40-character hex commit the fork starts from (`git rev-parse HEAD`)");
        }
        if (!Files.isDirectory(source)) {
            throw new OrbitException("stage: fork source " + source + " is not a directory: give the checkout that contains " + module.replace('.', '/'));
        }
        Path src = source.toAbsolutePath().normalize();
        String top = module.split("\\.")[0];
        Path root = forkSourceRoot(src, module, top);
        String topEntry = Files.isDirectory(root.resolve(top)) ? top : top + ".py";
        // forks/NAME, NAME being the checkout's directory (its parent's when SRC is the package itself)
        Path named = src.equals(root.resolve(top)) ? root : src;
        String target = as == null || as.isBlank() ? "forks/" + named.getFileName() : as.strip();

        // upstream: from the options, else from the checkout
        String repo = repository == null || repository.isBlank() ? null : repository.strip();
        List<String> modified = null;
        List<String> untracked = null;
        var git = GitCheckout.at(root);
        if (git.isPresent()) {
            GitCheckout g = git.get();
            if (pinned == null) {
                pinned = g.head();
            } else if (!g.hasCommit(pinned)) {
                throw new OrbitException("--commit " + pinned + " is not a commit of the checkout " + src
                        + ": fetch it first, or leave --commit out to use HEAD");
            }
            if (repo == null) repo = g.remoteUrl().orElse(g.topLevel().toString());
            GitCheckout.Changes changes = g.changesSince(pinned, topEntry);
            modified = changes.modified().stream().filter(rel -> !BytecodeCache.isCache(rel)).toList();
            untracked = changes.untracked().stream().filter(rel -> !BytecodeCache.isCache(rel)).toList();
        }

        JobSpec job = editedJob(bundle.job(), module, target, replace);
        Path inputs = bundle.inputsDir();
        Path prepared = inputs.resolve(PRIVATE_PREFIX + UUID.randomUUID()).resolve(Path.of(target).getFileName().toString());
        try {
            Files.createDirectories(prepared);
            int files = copyTree(root.resolve(topEntry), prepared.resolve(topEntry), root.resolve(topEntry).toRealPath());
            ForkManifest manifest = ForkManifest.of(prepared, module, repo, pinned);
            if (modified != null) manifest = manifest.withChanges(modified, untracked);
            manifest.writeTo(prepared);
            Inputs.StageResult staged = Inputs.of(bundle).stage(prepared, target, replace);
            bundle.withJob(job);
            return new Result(staged.path(), module, files, staged.outcome(), repo, pinned, modified, untracked,
                    job.entrypoint().env().get("PYTHONPATH"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the fork " + module + " from " + src, e);
        } finally {
            deleteTree(prepared.getParent());
        }
    }

    /** The directory holding the module's top-level package: SRC, SRC/src (a src layout), or SRC's parent when SRC is the package. */
    private static Path forkSourceRoot(Path src, String module, String top) {
        String rel = module.replace('.', '/');
        List<Path> candidates = new ArrayList<>(List.of(src, src.resolve("src")));
        if (src.getFileName() != null && src.getFileName().toString().equals(top) && src.getParent() != null) candidates.add(src.getParent());
        for (Path c : candidates) {
            if (Files.isDirectory(c.resolve(rel)) || Files.isRegularFile(c.resolve(rel + ".py"))) return c;
        }
        throw new OrbitException("stage: module " + module + " not found under " + src + " (no " + rel + "/ or " + rel
                + ".py there or under src/): give the checkout that contains it");
    }

    /** job.json with the fork named and its root first on PYTHONPATH (relative to the working directory). */
    static JobSpec editedJob(JobSpec job, String module, String target, boolean replace) {
        JobSpec.Fork old = job.fork();
        if (old != null && !replace && !(old.module().equals(module) && Path.of(old.path()).normalize().equals(Path.of(target).normalize()))) {
            throw new OrbitException("bundle " + job.name() + " already has the fork " + old.module() + " at inputs/" + old.path()
                    + ": pass --replace to stage " + module + " at inputs/" + target + " instead");
        }
        Path workdir = Path.of(job.entrypoint().workdir()).normalize();
        String entry = workdir.relativize(Path.of("inputs").resolve(target).normalize()).toString();
        String oldEntry = old == null ? null : workdir.relativize(Path.of("inputs").resolve(old.path()).normalize()).toString();
        List<String> path = new ArrayList<>();
        path.add(entry);
        String current = job.entrypoint().env().get("PYTHONPATH");
        if (current != null) {
            for (String p : current.split(":", -1)) {
                if (!p.isEmpty() && !p.equals(entry) && !p.equals(oldEntry)) path.add(p);
            }
        }
        ObjectNode tree = Json.MAPPER.valueToTree(job);
        ObjectNode fork = tree.putObject("fork");
        fork.put("module", module);
        fork.put("path", target);
        ObjectNode entrypoint = (ObjectNode) tree.get("entrypoint");
        ObjectNode env = entrypoint.get("env") instanceof ObjectNode e ? e : entrypoint.putObject("env");
        env.put("PYTHONPATH", String.join(":", path));
        return JobSpecReader.parse(Json.bytes(tree));
    }

    /** Copies a file or directory, bytecode caches left out; a symlink is followed only when it stays inside {@code realTop}. */
    private static int copyTree(Path from, Path to, Path realTop) throws IOException {
        if (Files.isSymbolicLink(from)) {
            Path real;
            try {
                real = from.toRealPath();
            } catch (IOException e) {
                throw new OrbitException("stage: " + from + " is a broken symlink: fix or remove it, then stage again");
            }
            if (!real.startsWith(realTop)) {
                throw new OrbitException("stage: " + from + " is a symlink to " + real + ", outside the fork: copy that file in");
            }
            if (Files.isDirectory(real)) {
                throw new OrbitException("stage: " + from + " is a symlink to a directory: replace it with the directory itself");
            }
        }
        if (BytecodeCache.isCache(from.getFileName().toString())) return 0;
        if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(to);
            int n = 0;
            List<Path> children;
            try (Stream<Path> list = Files.list(from)) {
                children = list.sorted().toList();
            }
            for (Path child : children) n += copyTree(child, to.resolve(child.getFileName().toString()), realTop);
            return n;
        }
        if (!Files.isRegularFile(from)) {
            throw new OrbitException("stage: " + from + " is not a regular file (a socket or device?): remove it from the fork");
        }
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        return 1;
    }

    private static void deleteTree(Path p) {
        if (p == null || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }
}
