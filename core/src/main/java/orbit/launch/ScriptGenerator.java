package orbit.launch;

import orbit.bundle.AtomicFile;
import orbit.bundle.Bundle;
import orbit.bundle.Digests;
import orbit.bundle.JobSpec;
import orbit.bundle.Quantities;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * job.json → scripts/launch.sh, scripts/precheck.py, scripts/gpu-tracker.sh. The scripts are classpath
 * templates; this class only fills in values, each quoted by {@link ShellQuote}. All run logic lives in
 * the templates, so every target (local, SSH, Slurm) runs the same files.
 */
public final class ScriptGenerator {
    public static final String LAUNCH = "launch.sh";
    public static final String PRECHECK = "precheck.py";
    public static final String TRACKER = "gpu-tracker.sh";
    /** The shell GPU tracker, used when no tracker argv is given. */
    public static final String SHELL_TRACKER_RESOURCE = "/orbit/nvml/gpu-tracker.sh";

    private ScriptGenerator() {}

    /** What one run's scripts are made from. */
    public record Plan(String runId, String target, LaunchOptions options) {}

    /** Writes the three scripts into the bundle's scripts/ and returns the path of launch.sh. */
    public static Path generate(Bundle bundle, Plan plan) {
        bundle.ensureStructure();
        Path scripts = bundle.scriptsDir();
        writeExecutable(scripts.resolve(LAUNCH), launchScript(bundle, plan));
        writeExecutable(scripts.resolve(PRECHECK), Resources.text("/orbit/provenance/precheck.py"));
        writeExecutable(scripts.resolve(TRACKER), trackerScript(plan.options().trackerArgv()));
        return scripts.resolve(LAUNCH);
    }

    /** The text of launch.sh for this bundle and run. */
    public static String launchScript(Bundle bundle, Plan plan) {
        JobSpec job = bundle.job();
        JobSpec.Entrypoint ep = job.entrypoint();
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : ep.env().entrySet()) {
            env.add(ShellQuote.name(e.getKey(), "job.json: entrypoint.env key") + "=" + e.getValue());
        }
        for (String secret : ep.secretEnv()) ShellQuote.name(secret, "job.json: entrypoint.secret_env entry");
        String workdir = ep.workdir(); // inside the bundle: JobSpecValidator checked it when the bundle was opened
        long heartbeat = Math.max(1, plan.options().heartbeat().toSeconds());
        String maxRuntime = job.resources() == null ? null : job.resources().maxRuntime();
        String maxRuntimeSeconds = maxRuntime == null ? ""
                : seconds(Quantities.duration("job.json: resources.max_runtime", maxRuntime, false));
        long grace = Math.max(1, (plan.options().stopGrace().toMillis() + 999) / 1000);
        return Resources.text("/orbit/launch/launch.sh.template")
                .replace("@@RUN_ID@@", ShellQuote.quote(plan.runId()))
                .replace("@@TARGET@@", ShellQuote.quote(plan.target()))
                .replace("@@JOB_SHA256@@", ShellQuote.quote(Digests.sha256(bundle.jobFile())))
                .replace("@@PYTHON@@", ShellQuote.quote(job.python()))
                .replace("@@WORKDIR@@", ShellQuote.quote(workdir))
                .replace("@@HEARTBEAT_SECONDS@@", ShellQuote.quote(Long.toString(heartbeat)))
                .replace("@@TRACKER_INTERVAL_MS@@", ShellQuote.quote(Long.toString(plan.options().trackerInterval().toMillis())))
                .replace("@@MAX_RUNTIME_SECONDS@@", ShellQuote.quote(maxRuntimeSeconds))
                .replace("@@MAX_RUNTIME_TEXT@@", ShellQuote.quote(maxRuntime == null ? "" : maxRuntime))
                .replace("@@STOP_GRACE_SECONDS@@", ShellQuote.quote(Long.toString(grace)))
                .replace("@@PRECHECK_GATES@@", precheckGates(job) ? "1" : "0")
                .replace("@@ARGV@@", ShellQuote.words(ep.argv()))
                .replace("@@JOB_ENV@@", ShellQuote.words(env))
                .replace("@@SECRET_ENV@@", ShellQuote.words(ep.secretEnv()));
    }

    /**
     * Whether the precheck can fail this job, so the training must wait for it: critical dependencies, a fork or
     * pinned upstreams. Otherwise it only records facts and runs beside the training.
     */
    static boolean precheckGates(JobSpec job) {
        return !job.criticalDeps().isEmpty() || job.fork() != null || !job.upstream().isEmpty();
    }

    /** Seconds for sleep(1), with milliseconds when there are any ("3", "0.250"). */
    private static String seconds(java.time.Duration d) {
        long ms = Math.max(1, d.toMillis());
        return ms % 1000 == 0 ? Long.toString(ms / 1000) : String.format(java.util.Locale.ROOT, "%d.%03d", ms / 1000, ms % 1000);
    }

    /** scripts/gpu-tracker.sh: an exec of the given tracker argv, or the shell tracker. */
    public static String trackerScript(List<String> trackerArgv) {
        if (trackerArgv.isEmpty()) return Resources.text(SHELL_TRACKER_RESOURCE);
        return "#!/usr/bin/env bash\n"
                + "# Generated by ORBIT: the GPU tracker of this run (writes artifacts/nvml-audit.jsonl until SIGTERM).\n"
                + "# Invoked as: bash scripts/gpu-tracker.sh AUDIT_FILE INTERVAL_MS (the argv below already names both).\n"
                + "exec " + ShellQuote.words(trackerArgv) + "\n";
    }

    private static void writeExecutable(Path file, String text) {
        AtomicFile.replace(file, text.getBytes(StandardCharsets.UTF_8)); // made again at every launch: no fsync on the way to the start
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException | UnsupportedOperationException e) {
            // launch.sh is always run as `bash scripts/launch.sh`; the mode is a courtesy for people
        }
    }
}
