package orbit.bundle;

import orbit.OrbitException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The files an entrypoint names: a program given as a relative path ({@code ./run.sh}, {@code inputs/run.sh}) and
 * script arguments ({@code train.py} in {@code python3 train.py}). The job runs in {@code entrypoint.workdir} of the
 * bundle (default: its top directory), and staged files live under inputs/, so {@code python3 train.py} next to a
 * staged train.py would fail on the GPU host. {@link #checkPlacement} refuses that when the bundle is created;
 * {@link #checkStaged} also refuses a named file that is not there, saying where a file of that name was staged.
 * Absolute paths are the host's business and are not checked.
 */
public final class EntrypointFiles {
    private static final Set<String> SCRIPT_EXTENSIONS = Set.of(
            "py", "sh", "bash", "zsh", "pl", "rb", "r", "jl", "js", "mjs", "lua");
    private static final Path INPUTS = Path.of("inputs");

    private EntrypointFiles() {}

    /** One argv element naming a file, with its path relative to the bundle. */
    public record Named(int index, String arg, Path inBundle) {}

    /** The argv elements that name files, resolved against the working directory inside the bundle. */
    public static List<Named> named(JobSpec.Entrypoint ep) {
        List<Named> out = new ArrayList<>();
        Path workdir = Path.of(ep.workdir()).normalize();
        List<String> argv = ep.argv();
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a == null || a.isEmpty() || a.startsWith("/") || a.indexOf('\0') >= 0 || a.chars().anyMatch(Character::isWhitespace)) continue;
            if (i > 0 && (argv.get(i - 1).equals("-c") || argv.get(i - 1).equals("-m"))) continue; // code or a module
            boolean program = i == 0 && a.contains("/");
            boolean script = i > 0 && !a.startsWith("-") && !a.contains("=") && !a.contains("://") && isScript(a);
            if (program || script) out.add(new Named(i, a, workdir.resolve(a).normalize()));
        }
        return out;
    }

    /** Refuses a named file that cannot be under inputs/, where every staged file is (checked before anything exists). */
    public static void checkPlacement(JobSpec spec) {
        for (Named n : named(spec.entrypoint())) {
            if (!n.inBundle().startsWith(INPUTS)) {
                throw new OrbitException("job.json: entrypoint.argv[" + n.index() + "] = \"" + n.arg() + "\": " + where(spec)
                        + ", and staged files are under inputs/: write " + suggestion(spec, n, n.inBundle().getFileName().toString())
                        + " and stage it with `orbit bundle stage " + spec.name() + " " + n.inBundle().getFileName() + "`");
            }
        }
    }

    /** Refuses a named file that is not in the bundle, saying where a file of that name was staged if one was. */
    public static void checkStaged(Bundle bundle) {
        JobSpec spec = bundle.job();
        List<Named> named = named(spec.entrypoint());
        if (named.isEmpty()) return;
        List<String> staged = List.copyOf(Inputs.of(bundle).index().files().keySet());
        for (Named n : named) {
            if (n.inBundle().startsWith(INPUTS) && Files.isRegularFile(bundle.path().resolve(n.inBundle()))) continue;
            String fileName = n.inBundle().getFileName() == null ? n.arg() : n.inBundle().getFileName().toString();
            String exact = INPUTS.relativize(INPUTS.resolve(n.arg()).normalize()).toString();
            String found = staged.contains(exact) ? exact
                    : staged.stream().filter(p -> Path.of(p).getFileName().toString().equals(fileName)).findFirst().orElse(null);
            String head = "job.json: entrypoint.argv[" + n.index() + "] = \"" + n.arg() + "\": ";
            if (found != null) {
                throw new OrbitException(head + "not found: " + where(spec) + ", and " + fileName + " was staged as inputs/" + found
                        + ": write " + suggestion(spec, n, found) + " in entrypoint.argv");
            }
            String as = n.inBundle().startsWith(INPUTS) ? INPUTS.relativize(n.inBundle()).toString() : fileName;
            throw new OrbitException(head + "not staged" + (n.inBundle().startsWith(INPUTS) ? "" : " (" + where(spec) + ")")
                    + ": stage it with `orbit bundle stage " + spec.name() + " " + fileName + " --as " + as + "`"
                    + (n.inBundle().startsWith(INPUTS) ? "" : " and write " + suggestion(spec, n, as)));
        }
    }

    private static boolean isScript(String arg) {
        int dot = arg.lastIndexOf('.');
        int slash = arg.lastIndexOf('/');
        return dot > slash + 1 && dot < arg.length() - 1
                && SCRIPT_EXTENSIONS.contains(arg.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static String where(JobSpec spec) {
        Path workdir = Path.of(spec.entrypoint().workdir()).normalize();
        return workdir.toString().isEmpty() ? "the job runs in the bundle's top directory" : "the job runs in " + workdir + "/ of the bundle";
    }

    /** The argument that names inputs/{@code underInputs} from the job's working directory. */
    private static String suggestion(JobSpec spec, Named n, String underInputs) {
        Path workdir = Path.of(spec.entrypoint().workdir()).normalize();
        String rel = workdir.relativize(INPUTS.resolve(underInputs).normalize()).toString();
        return n.index() == 0 && !rel.contains("/") ? "./" + rel : rel;
    }
}
