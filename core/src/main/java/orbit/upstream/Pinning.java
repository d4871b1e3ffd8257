package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.bundle.JobSpecValidator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * `upstream pin`: records {name, source, commit, command} in job.json and stages a clone detached at the commit
 * under inputs/upstream/NAME. The clone is made with {@code --no-hardlinks}, so editing the source later never
 * edits the staged tree. Nothing is written unless the clone reached the exact commit.
 */
public final class Pinning {
    private Pinning() {}

    /** What a pin did: the updated bundle and where the checkout is. */
    public record Pinned(Bundle bundle, JobSpec.UpstreamPin pin, Path checkout) {}

    public static Pinned pin(Bundle bundle, String name, String source, String commit, List<String> command) {
        String exact = JobSpec.UpstreamPin.normalizeCommit(commit);
        for (JobSpec.UpstreamPin p : bundle.job().upstream()) {
            if (p.name().equals(name)) {
                throw new OrbitException("upstream " + name + " is already pinned in bundle " + bundle.name() + " (commit " + p.commit()
                        + "): pick another name, or make a new bundle to pin another commit");
            }
        }
        String recorded = source == null ? null : localPath(source).map(Path::toString).orElse(source);
        JobSpec.UpstreamPin pin = new JobSpec.UpstreamPin(name, recorded, exact, command == null || command.isEmpty() ? null : command);
        List<JobSpec.UpstreamPin> pins = new ArrayList<>(bundle.job().upstream());
        pins.add(pin);
        JobSpec old = bundle.job();
        JobSpec next = new JobSpec(old.schemaVersion(), old.name(), old.resources(), old.entrypoint(), old.python(), old.criticalDeps(),
                old.fork(), pins, old.createdAt(), old.orbitVersion());
        JobSpecValidator.check(next); // the commit, name and command rules, one line each, before anything is cloned

        Path dest = Checkout.dir(bundle, name);
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new OrbitException("inputs/" + Checkout.INPUTS_DIR + "/" + name + " already exists but is not pinned in job.json: remove it, then pin again");
        }
        Path tmp = dest.resolveSibling(".orbit-staging-" + UUID.randomUUID());
        try {
            Files.createDirectories(dest.getParent());
            Git.check(null, "cannot clone " + recorded, "clone", "--quiet", "--no-hardlinks", "--no-checkout", "--", recorded, tmp.toString());
            Git.Result co = Git.run(tmp, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", exact);
            if (co.exit() != 0) {
                throw new OrbitException("commit " + exact + " is not in " + recorded + " (" + co.firstErrorLine()
                        + "): give a full commit of that repository, e.g. from `git -C SOURCE rev-parse HEAD`");
            }
            String head = Git.check(tmp, "cannot read HEAD of the staged clone", "rev-parse", "--verify", "HEAD").out();
            if (!head.equals(exact)) {
                throw new OrbitException("the staged clone of " + recorded + " is at " + head + ", not " + exact + ": check the commit");
            }
            Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage " + recorded + " into inputs/" + Checkout.INPUTS_DIR + "/" + name, e);
        } finally {
            deleteTree(tmp);
        }
        return new Pinned(bundle.withJob(next), pin, dest);
    }

    /** The absolute path of a local checkout, or empty for a URL. */
    private static java.util.Optional<Path> localPath(String source) {
        if (source.contains("://") || source.matches("[^/]+@[^/]+:.*")) return java.util.Optional.empty();
        try {
            Path p = Path.of(source).toAbsolutePath().normalize();
            return Files.isDirectory(p) ? java.util.Optional.of(p) : java.util.Optional.empty();
        } catch (java.nio.file.InvalidPathException e) {
            return java.util.Optional.empty();
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p, e);
        }
    }
}
