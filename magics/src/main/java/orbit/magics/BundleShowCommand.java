package orbit.magics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import orbit.bundle.Bundle;
import orbit.bundle.BundleSummary;
import orbit.bundle.Inputs;
import orbit.bundle.InputsIndex;
import orbit.bundle.JobSpec;
import orbit.bundle.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.stream.Collectors;

/** `orbit bundle show NAME [--json]`: what the bundle will run, what it holds, how its last run ended. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Show a bundle's job, inputs and last run state.")
public final class BundleShowCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Bundle name or path.")
    String name;

    @Option(names = "--json", description = "Print job.json with the bundle's path, inputs index and last run state.")
    boolean json;

    @Override
    public void run() {
        Bundle bundle = bundleRoot().open(name);
        JobSpec job = bundle.job();
        InputsIndex index = Inputs.of(bundle).index();
        String state = orbit.launch.LastRun.stateOf(bundle.runtimeDir());
        PrintWriter out = console().out();
        if (json) {
            ObjectNode node = Json.MAPPER.createObjectNode();
            node.put("path", bundle.path().toString());
            node.set("job", Json.MAPPER.valueToTree(job));
            node.set("inputs", Json.MAPPER.valueToTree(index));
            node.put("last_run_state", state);
            out.println(node.toPrettyString());
            return;
        }
        JobSpec.Resources r = job.resources();
        out.println("bundle   " + job.name());
        out.println("path     " + bundle.path());
        out.println("created  " + job.createdAt() + " (orbit " + job.orbitVersion() + ")");
        out.println("command  " + job.entrypoint().argv().stream().map(BundleShowCommand::shellWord).collect(Collectors.joining(" ")));
        out.println("workdir  " + job.entrypoint().workdir());
        out.println("gpus     " + r.gpus() + (r.gpuType() == null ? "" : " x " + r.gpuType()) + " on " + r.nodes() + (r.nodes() == 1 ? " node" : " nodes")
                + (r.tasksPerNode() == 1 ? "" : ", " + r.tasksPerNode() + " tasks per node")
                + (r.cpus() == null ? "" : ", " + r.cpus() + " cpus") + (r.memory() == null ? "" : ", memory " + r.memory())
                + (r.maxRuntime() == null ? "" : ", max " + r.maxRuntime()));
        out.println("python   " + job.python() + (job.criticalDeps().isEmpty() ? "" : ", critical deps: " + String.join(", ", job.criticalDeps())));
        if (!job.entrypoint().env().isEmpty()) out.println("env      " + String.join(", ", job.entrypoint().env().keySet()));
        if (!job.entrypoint().secretEnv().isEmpty()) out.println("secrets  " + String.join(", ", job.entrypoint().secretEnv()) + " (names only)");
        if (job.fork() != null) out.println("fork     " + job.fork().module() + " from inputs/" + job.fork().path());
        if (job.reference() != null) out.println("clone of " + job.reference().source() + " (its precheck compares " + job.reference().deps().size() + " dependencies with it)");
        for (JobSpec.UpstreamPin u : job.upstream()) {
            out.println("upstream " + u.name() + " " + u.source() + " @ " + u.commit() + (u.command() == null ? "" : " runs " + String.join(" ", u.command())));
        }
        long bytes = index.files().values().stream().mapToLong(InputsIndex.Entry::size).sum();
        out.println("inputs   " + index.files().size() + " files, " + BundleSummary.humanSize(bytes));
        out.println("last run " + (state == null ? "never launched" : state));
    }

    static String shellWord(String s) {
        return s.matches("[A-Za-z0-9_./=:,+@%-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
