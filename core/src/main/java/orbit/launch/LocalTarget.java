package orbit.launch;

import orbit.OrbitException;
import orbit.bundle.Bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs a bundle on this machine: `setsid bash scripts/launch.sh` in the bundle directory, so the run has
 * its own session and process group (pgid == launch.sh's pid) and survives the CLI, the notebook and the kernel
 * exiting. Its environment carries ORBIT_RUN_ID, the marker a live run is recognised by.
 */
public final class LocalTarget implements Target {
    public static final String SPEC = "local";
    static final String RECORDER_CLASS = orbit.nvml.RecorderMain.class.getName();
    /** The longest the launcher's wait goes without a look, so that a launch.sh that failed to start is noticed. */
    private static final Duration FAILURE_CHECK = Duration.ofMillis(200);

    @Override
    public String spec() {
        return SPEC;
    }

    @Override
    public LaunchOptions prepare(Bundle bundle, LaunchOptions options) {
        return options.trackerArgv().isEmpty() ? options.withTrackerArgv(javaTrackerArgv(bundle, options)) : options;
    }

    @Override
    public Started start(Bundle b, String runId, LaunchOptions options) {
        ProcessBuilder pb = new ProcessBuilder("setsid", "bash", b.scriptsDir().resolve(ScriptGenerator.LAUNCH).toString())
                .directory(b.path().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put(ProcessTable.RUN_MARKER, runId); // in launch.sh's own /proc/PID/environ
        // Watched before launch.sh starts, so its first write of last_run.json (a rename into runtime/) is not missed.
        RuntimeWatch watch = RuntimeWatch.of(b.runtimeDir());
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            watch.close();
            throw new UncheckedIOException("cannot start scripts/launch.sh of " + b.name(), e);
        }
        return new Started() {
            @Override
            public void awaitChange() throws InterruptedException {
                watch.await(FAILURE_CHECK);
            }

            @Override
            public void abandon() {
                watch.close();
            }

            @Override
            public Optional<LastRun> recorded() {
                try {
                    return LastRun.read(b.runtimeDir());
                } catch (OrbitException e) {
                    return Optional.empty(); // caught mid-rename: the next look reads it whole
                }
            }

            @Override
            public Optional<String> failure() {
                // exit 0 can be setsid's own parent returning after a fork; only a failure ends the wait early
                if (process.isAlive() || process.exitValue() == 0) return Optional.empty();
                return Optional.of("scripts/launch.sh of " + b.name() + " exited with code " + process.exitValue()
                        + " before recording run " + runId + ": see " + b.runtimeDir().resolve("launch.out"));
            }

            @Override
            public RunHandle confirm() {
                watch.close();
                return new LocalRunHandle(b, runId);
            }
        };
    }

    @Override
    public Optional<RunHandle> attach(Bundle bundle) {
        return LastRun.read(bundle.runtimeDir()).map(r -> new LocalRunHandle(bundle, r.runId()));
    }

    /**
     * The Java GPU recorder's argv for this run: the same java and classpath as this JVM (the recorder is part of
     * core). Remote targets, where Java may be absent, use the shell tracker instead.
     */
    static List<String> javaTrackerArgv(Bundle b, LaunchOptions options) {
        // A small heap and the client compiler: the tracker samples once a second for hours.
        List<String> argv = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                RECORDER_CLASS,
                "--out", b.artifactsDir().resolve("nvml-audit.jsonl").toString(),
                "--interval", interval(options.trackerInterval())));
        if (options.simulateGpus() != null) {
            argv.add("--simulate-if-no-gpu");
            argv.add(Integer.toString(options.simulateGpus()));
        } else {
            argv.add("--no-gpu-ok");
        }
        return argv;
    }

    private static String interval(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }
}
