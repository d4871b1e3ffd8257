package orbit.upstream;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The staged checkout of one pinned upstream, inputs/upstream/NAME, as git sees it. Status is read with
 * {@code git --no-optional-locks status --porcelain=v1 -z --untracked-files=all}: a plain {@code git status}
 * refreshes the index file, which would change the staged inputs it is meant to vouch for.
 */
public final class Checkout {
    /** The staged checkouts' directory under inputs/. */
    public static final String INPUTS_DIR = orbit.bundle.Inputs.UPSTREAM_DIR;

    private Checkout() {}

    public static Path dir(Bundle bundle, String name) {
        return bundle.inputsDir().resolve(INPUTS_DIR).resolve(name);
    }

    /** One path git reports, with its two-letter porcelain code. */
    public record Change(String code, String path) {
        public boolean untracked() {
            return code.equals("??");
        }

        public boolean ignored() {
            return code.equals("!!");
        }

        public boolean deleted() {
            return code.indexOf('D') >= 0;
        }

        public String kind() {
            if (untracked()) return "untracked";
            if (ignored()) return "ignored";
            if (deleted()) return "deleted";
            if (code.indexOf('A') >= 0) return "added";
            if (code.indexOf('R') >= 0) return "renamed";
            return "modified";
        }

        @Override
        public String toString() {
            return kind() + ": " + path;
        }
    }

    /** HEAD and what differs from it (ignored files do not count). */
    public record TreeState(String head, List<Change> dirty) {
        public boolean clean() {
            return dirty.isEmpty();
        }
    }

    /** What `upstream check` and the precheck decide for one pin. */
    public record Verdict(String name, String commit, String head, List<Change> dirty, String problem) {
        public boolean ok() {
            return problem == null && commit.equals(head) && dirty.isEmpty();
        }

        /** One line per finding, the same words the runtime precheck logs. */
        public List<String> lines() {
            List<String> out = new ArrayList<>();
            if (problem != null) {
                out.add("upstream " + name + ": " + problem);
                return out;
            }
            if (!commit.equals(head)) out.add("upstream " + name + ": HEAD is " + head + ", pinned " + commit);
            for (Change c : dirty) out.add("upstream " + name + ": " + c);
            if (out.isEmpty()) out.add("upstream " + name + ": clean at " + commit);
            return out;
        }
    }

    /** Checks one pin's staged checkout: present, HEAD at the pinned commit, nothing modified or untracked. */
    public static Verdict check(Bundle bundle, JobSpec.UpstreamPin pin) {
        Path dir = dir(bundle, pin.name());
        if (!Files.isDirectory(dir.resolve(".git"))) {
            return new Verdict(pin.name(), pin.commit(), null, List.of(), "not staged at inputs/" + INPUTS_DIR + "/" + pin.name()
                    + ": stage it with `orbit upstream pin " + bundle.name() + " " + pin.name() + " SOURCE " + pin.commit() + "`");
        }
        TreeState s = state(dir);
        return new Verdict(pin.name(), pin.commit(), s.head(), s.dirty(), null);
    }

    public static TreeState state(Path dir) {
        Git.Result head = Git.run(dir, "rev-parse", "--verify", "--quiet", "HEAD");
        String h = head.exit() == 0 ? head.out() : "(none: " + head.firstErrorLine() + ")";
        return new TreeState(h, changes(dir, false));
    }

    /** Modified and untracked paths, plus ignored ones when {@code ignored}; each file listed on its own. */
    static List<Change> changes(Path dir, boolean ignored) {
        List<String> args = new ArrayList<>(List.of("--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"));
        if (ignored) args.add("--ignored=traditional"); // with --untracked-files=all: every ignored file, not just its directory
        Git.Result r = Git.check(dir, "git status in " + dir, args.toArray(String[]::new));
        return parse(r.stdout());
    }

    /** Porcelain v1 -z: "XY PATH\0", and for a rename or copy the original path as one more field. */
    static List<Change> parse(byte[] z) {
        List<Change> out = new ArrayList<>();
        String[] fields = new String(z, StandardCharsets.UTF_8).split("\0");
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i];
            if (f.length() < 4) continue;
            String code = f.substring(0, 2);
            out.add(new Change(code, f.substring(3)));
            if (code.indexOf('R') >= 0 || code.indexOf('C') >= 0) i++; // skip the original path
        }
        return out;
    }

    /** The pin named {@code name} in the bundle, or one line saying which names exist. */
    public static JobSpec.UpstreamPin pin(Bundle bundle, String name) {
        for (JobSpec.UpstreamPin p : bundle.job().upstream()) {
            if (p.name().equals(name)) return p;
        }
        List<String> names = bundle.job().upstream().stream().map(JobSpec.UpstreamPin::name).toList();
        throw new OrbitException("bundle " + bundle.name() + " has no upstream named " + name
                + (names.isEmpty() ? ": pin one with `orbit upstream pin " + bundle.name() + " NAME SOURCE COMMIT`" : ": it has " + String.join(", ", names)));
    }
}
