package orbit.slurm;

import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.bundle.Quantities;
import orbit.launch.LaunchOptions;
import orbit.launch.Resources;
import orbit.launch.ShellQuote;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * job.json → scripts/sbatch.sh: the #SBATCH request (nodes, tasks per node, GPUs per node, CPUs per task, memory in
 * MiB, time in whole minutes, USR1 a minute before the limit, output under runtime/, no environment from the
 * submitting shell) and the template that starts every task through srun. Rank 0 runs the generated launch.sh, so
 * everything launch.sh writes is written the same way as on the other targets.
 */
public final class SbatchScript {
    public static final String FILE = "sbatch.sh";

    private SbatchScript() {}

    /** Writes scripts/sbatch.sh for run {@code runId} (launch.sh and the tracker are generated already). */
    public static Path write(Bundle bundle, String runId, LaunchOptions options) {
        Path file = bundle.scriptsDir().resolve(FILE);
        AtomicFile.write(file, text(bundle, runId, options).getBytes(StandardCharsets.UTF_8));
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException | UnsupportedOperationException e) {
            // submitted as `sbatch scripts/sbatch.sh`; the mode is a courtesy for people
        }
        return file;
    }

    /** The #SBATCH lines for this job, in the order sbatch documents them. */
    public static List<String> directives(JobSpec job) {
        JobSpec.Resources r = job.resources();
        List<String> d = new ArrayList<>();
        d.add("--job-name=" + jobName(job.name()));
        d.add("--nodes=" + r.nodes());
        d.add("--ntasks-per-node=" + r.tasksPerNode());
        int g = gpusPerNode(r);
        if (g > 0) d.add("--gres=gpu:" + (r.gpuType() == null ? "" : r.gpuType() + ":") + g);
        if (r.cpus() != null) {
            if (r.cpus() % r.tasksPerNode() != 0) {
                throw new OrbitException("job.json: resources.cpus = " + r.cpus() + " cannot be split evenly over " + r.tasksPerNode()
                        + " tasks per node: give cpus as a multiple of tasks_per_node");
            }
            d.add("--cpus-per-task=" + r.cpus() / r.tasksPerNode());
        }
        if (r.memory() != null) {
            long bytes = Quantities.bytes("job.json: resources.memory", r.memory());
            d.add("--mem=" + ((bytes + (1L << 20) - 1) >> 20));
        }
        if (r.maxRuntime() != null) {
            Duration t = Quantities.duration("job.json: resources.max_runtime", r.maxRuntime(), false);
            d.add("--time=" + Math.max(1, (t.toMillis() + 59_999) / 60_000));
        }
        d.add("--signal=B:USR1@60");
        d.add("--output=runtime/slurm-%j.out");
        d.add("--export=NONE");
        return d;
    }

    /** GPUs each node asks for: gpus_per_node, else gpus spread evenly over the nodes (refused when uneven). */
    static int gpusPerNode(JobSpec.Resources r) {
        if (r.gpusPerNode() != null) return r.gpusPerNode();
        if (r.gpus() % r.nodes() != 0) {
            throw new OrbitException("job.json: resources.gpus = " + r.gpus() + " cannot be split evenly over " + r.nodes()
                    + " nodes: set --gpus-per-node, or give gpus as a multiple of nodes");
        }
        return r.gpus() / r.nodes();
    }

    /** Slurm job names end at whitespace in squeue output: keep the bundle name's safe characters. */
    private static String jobName(String name) {
        String n = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return n.isEmpty() ? "orbit" : n;
    }

    static String text(Bundle bundle, String runId, LaunchOptions options) {
        JobSpec job = bundle.job();
        JobSpec.Entrypoint ep = job.entrypoint();
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : ep.env().entrySet()) {
            env.add(ShellQuote.name(e.getKey(), "job.json: entrypoint.env key") + "=" + e.getValue());
        }
        StringBuilder sbatch = new StringBuilder();
        for (String d : directives(job)) sbatch.append("#SBATCH ").append(d).append('\n');
        return Resources.text("/orbit/slurm/sbatch.sh.template")
                .replace("@@SBATCH@@\n", sbatch.toString())
                .replace("@@RUN_ID@@", ShellQuote.quote(runId))
                .replace("@@WORKDIR@@", ShellQuote.quote(ep.workdir()))
                .replace("@@TASKS_PER_NODE@@", ShellQuote.quote(Integer.toString(job.resources().tasksPerNode())))
                .replace("@@TRACKER_INTERVAL_MS@@", ShellQuote.quote(Long.toString(options.trackerInterval().toMillis())))
                .replace("@@ARGV@@", ShellQuote.words(ep.argv()))
                .replace("@@JOB_ENV@@", ShellQuote.words(env));
    }
}
