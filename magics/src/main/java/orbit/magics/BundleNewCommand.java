package orbit.magics;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.EntrypointFiles;
import orbit.bundle.JobSpec;
import orbit.bundle.JobSpecValidator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** `orbit bundle new NAME ...`: writes job.json and the five-part layout, or nothing at all on bad input. */
@Command(name = "new", mixinStandardHelpOptions = true,
        description = "Create a bundle: job.json plus inputs/, scripts/, runtime/, artifacts/.",
        footer = {"", "The job runs in the bundle's top directory (or --workdir DIR inside it);",
                "staged files are under inputs/.", "",
                "Examples:",
                "  orbit bundle new demo --gpus 1 --entrypoint \"python3 inputs/train.py\"",
                "  orbit bundle stage demo train.py",
                "  orbit bundle new big --nodes 2 --gpus-per-node 8 -- python3 inputs/train.py",
                "  orbit bundle new near --workdir inputs -- python3 train.py --lr 3e-4"})
public final class BundleNewCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Bundle name (letters, digits, . _ -).")
    String name;

    @Parameters(index = "1..*", paramLabel = "ARGV", description = "The command to run, after --, passed as-is.")
    List<String> argv = new ArrayList<>();

    @Option(names = "--entrypoint", paramLabel = "\"CMD ...\"", description = "The command to run, split like a shell would (no expansion).")
    String entrypoint;

    @Option(names = "--gpus", paramLabel = "N", description = "GPUs in all (default 0, or nodes × gpus per node).")
    Integer gpus;

    @Option(names = "--gpu-type", paramLabel = "T", description = "GPU model, e.g. h100.")
    String gpuType;

    @Option(names = "--nodes", paramLabel = "N", description = "Nodes (default 1).")
    int nodes = 1;

    @Option(names = "--gpus-per-node", paramLabel = "N", description = "GPUs on each node; --gpus must then be nodes × this.")
    Integer gpusPerNode;

    @Option(names = "--tasks-per-node", paramLabel = "N", description = "Copies of the entrypoint each node runs (default 1).")
    Integer tasksPerNode;

    @Option(names = "--cpus", paramLabel = "N")
    Integer cpus;

    @Option(names = "--memory", paramLabel = "SIZE", description = "Host memory, e.g. 64G.")
    String memory;

    @Option(names = "--disk", paramLabel = "SIZE", description = "Scratch disk, e.g. 200G.")
    String disk;

    @Option(names = "--max-runtime", paramLabel = "DURATION", description = "Wall-clock limit, e.g. 2h or 90m.")
    String maxRuntime;

    @Option(names = "--workdir", paramLabel = "DIR", description = "Working directory inside the bundle (default: its top directory; staged files are under inputs/).")
    String workdir;

    @Option(names = "--env", paramLabel = "K=V", description = "A plain environment value (never a secret; ORBIT_* names are ORBIT's).")
    Map<String, String> env = new java.util.LinkedHashMap<>();

    @Option(names = "--secret-env", paramLabel = "NAME", description = "A variable read from the launcher's environment at launch; only its name is stored.")
    List<String> secretEnv = new ArrayList<>();

    @Option(names = "--critical-dep", paramLabel = "MODULE", description = "A Python module whose version and path the precheck proves.")
    List<String> criticalDeps = new ArrayList<>();

    @Option(names = "--python", paramLabel = "P", description = "Interpreter for the precheck (default python3).")
    String python;

    @Option(names = "--fork", paramLabel = "MODULE=PATH", description = "A staged fork of MODULE under inputs/PATH (with FORK_MANIFEST.json).")
    String fork;

    @Option(names = "--upstream", paramLabel = "NAME=SOURCE@COMMIT", description = "An upstream component pinned to an exact 40-character commit.")
    List<String> upstream = new ArrayList<>();

    @Option(names = "--replace", description = "If a bundle NAME exists, move it whole to .replaced/ under the bundle root first (nothing is deleted; refused while it runs).")
    boolean replace;

    @Override
    public void run() {
        List<String> command = argv;
        if (entrypoint != null) {
            if (!argv.isEmpty()) throw new OrbitException("give the command either with --entrypoint or after --, not both");
            command = CellTokenizer.split(entrypoint);
        }
        JobSpec.Builder b = JobSpec.builder(name, command)
                .gpus(gpus).gpuType(gpuType).nodes(nodes).gpusPerNode(gpusPerNode).tasksPerNode(tasksPerNode).cpus(cpus)
                .memory(memory).disk(disk).maxRuntime(maxRuntime).workdir(workdir).python(python);
        env.forEach(b::env);
        secretEnv.forEach(b::secretEnv);
        criticalDeps.forEach(b::criticalDep);
        if (fork != null) {
            int eq = fork.indexOf('=');
            if (eq <= 0) throw new OrbitException("--fork " + fork + ": write MODULE=PATH, e.g. --fork swift=forks/ms-swift");
            b.fork(fork.substring(0, eq), fork.substring(eq + 1));
        }
        for (String u : upstream) {
            int eq = u.indexOf('=');
            int at = u.lastIndexOf('@');
            if (eq <= 0 || at < eq) {
                throw new OrbitException("--upstream " + u + ": write NAME=SOURCE@COMMIT with a 40-character commit");
            }
            b.upstream(u.substring(0, eq), u.substring(eq + 1, at), JobSpec.UpstreamPin.normalizeCommit(u.substring(at + 1)));
        }
        JobSpec spec = b.build();
        JobSpecValidator.check(spec);
        EntrypointFiles.checkPlacement(spec);
        if (replace) {
            bundleRoot().moveAside(spec.name(), orbit.launch.LastRun::stateOf).ifPresent(p -> console().out().println(
                    "moved the existing bundle " + spec.name() + " to " + p + " (kept whole; remove it when no longer needed)"));
        }
        Bundle bundle = bundleRoot().create(spec);
        console().out().println("created bundle " + bundle.name() + " at " + bundle.path());
    }
}
