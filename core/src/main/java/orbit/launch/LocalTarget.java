package orbit.launch;

import orbit.OrbitException;
import orbit.bundle.Bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Runs a bundle on this machine: `setsid bash scripts/launch.sh` in the bundle directory, so the run has
 * its own session and process group and survives the CLI, the notebook and the kernel exiting.
 */
public final class LocalTarget implements Target {
    public static final String SPEC = "local";
    static final String RECORDER_CLASS = orbit.nvml.RecorderMain.class.getName();
    private static final DateTimeFormatter RUN_ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final SecureRandom RANDOM = new SecureRandom();

    @Override
    public String spec() {
        return SPEC;
    }

    @Override
    public RunHandle launch(Bundle bundle, LaunchOptions options) {
        bundle.ensureStructure();
        Bundle b = Bundle.open(bundle.path().toAbsolutePath().normalize());
        // One launcher at a time per bundle: the check for a live run and the start happen under this lock.
        try (FileChannel ch = FileChannel.open(b.scriptsDir().resolve(".launch.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            refuseIfLive(b);
            String runId = newRunId();
            LaunchOptions opts = options.trackerArgv().isEmpty()
                    ? options.withTrackerArgv(javaTrackerArgv(b, options))
                    : options;
            Path launch = ScriptGenerator.generate(b, new ScriptGenerator.Plan(runId, SPEC, opts));
            ProcessBuilder pb = new ProcessBuilder("setsid", "bash", launch.toString())
                    .directory(b.path().toFile());
            pb.environment().put(ProcessTable.RUN_MARKER, runId); // in launch.sh's own /proc/PID/environ
            Process process = pb
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return awaitRecorded(b, runId, process, opts.startTimeout());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start scripts/launch.sh of " + b.name(), e);
        }
    }

    @Override
    public Optional<RunHandle> attach(Bundle bundle) {
        return LastRun.read(bundle.runtimeDir()).map(r -> new LocalRunHandle(bundle, r.runId()));
    }

    private static void refuseIfLive(Bundle b) {
        Optional<LastRun> prev = LastRun.read(b.runtimeDir());
        if (prev.isEmpty() || prev.get().state().terminal()) return;
        RunStatus st = new LocalRunHandle(b, prev.get().runId()).status(); // records `lost` if the process vanished
        if (!st.state().terminal()) {
            throw new OrbitException("bundle " + b.name() + " is already running (run " + st.run().runId() + ", pid "
                    + st.run().pid() + ", " + st.state().wire() + "): watch it with `orbit launch logs " + b.name()
                    + " --follow` or stop it with `orbit launch cancel " + b.name() + "`");
        }
    }

    private static RunHandle awaitRecorded(Bundle b, String runId, Process process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<LastRun> r = LastRun.read(b.runtimeDir());
            if (r.isPresent() && runId.equals(r.get().runId()) && r.get().pid() != null) {
                return new LocalRunHandle(b, runId);
            }
            // exit 0 can be setsid's own parent returning after a fork; only a failure ends the wait early
            if (!process.isAlive() && process.exitValue() != 0 && (r.isEmpty() || !runId.equals(r.get().runId()))) {
                throw new OrbitException("scripts/launch.sh of " + b.name() + " exited with code " + process.exitValue()
                        + " before recording run " + runId + ": see " + b.runtimeDir().resolve("launch.out"));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new OrbitException("scripts/launch.sh of " + b.name() + " did not record run " + runId + " within "
                + timeout.toSeconds() + "s: check " + b.runtimeDir().resolve("launch.out") + " and `orbit launch status " + b.name() + "`");
    }

    static String newRunId() {
        byte[] r = new byte[2];
        RANDOM.nextBytes(r);
        return ZonedDateTime.now(ZoneOffset.UTC).format(RUN_ID_TIME) + "-" + HexFormat.of().formatHex(r);
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
