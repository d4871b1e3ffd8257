package orbit.launch;

import orbit.bundle.Bundle;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/** A run on this machine, known only through its bundle's files and /proc. */
final class LocalRunHandle implements RunHandle {
    private static final long POLL_MS = 200;

    private final Bundle bundle;
    private final String runId;

    LocalRunHandle(Bundle bundle, String runId) {
        this.bundle = bundle;
        this.runId = runId;
    }

    @Override
    public String toString() {
        return mimeBundle().get("text/plain");
    }

    @Override
    public Bundle bundle() {
        return bundle;
    }

    @Override
    public String runId() {
        return runId;
    }

    private Path runtimeDir() {
        return new RunFiles(bundle, runId).runtimeDir();
    }

    private boolean archived() {
        return new RunFiles(bundle, runId).archived();
    }

    private LastRun read() {
        java.util.Optional<LastRun> run = LastRun.read(runtimeDir());
        if (run.isEmpty()) {
            // a new launch may be moving this run into runtime/runs/ right now: look once more
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            run = LastRun.read(runtimeDir());
        }
        return run.orElseThrow(() -> new orbit.OrbitException(
                "run " + runId + " of " + bundle.name() + " has no runtime/last_run.json: launch it with `orbit launch " + bundle.name() + "`"));
    }

    @Override
    public RunStatus status() {
        LastRun run = read();
        if (imported()) {
            // another machine's pids: never alive here, whatever process has that pid now
            if (run.state().terminal()) return new RunStatus(bundle.name(), run, false, heartbeat());
            return new RunStatus(bundle.name(), run.ended(RunState.LOST, run.endedAt(), run.signal(),
                    "imported from another machine in state " + run.state().wire() + ": not running here", null), false, heartbeat());
        }
        boolean alive = ProcessTable.isRun(run.pid(), run.pgid(), run.pidStartTicks(), run.runId());
        if (!run.state().terminal() && !alive) {
            run = read(); // the script may have finalized between the two reads
            if (!run.state().terminal()) {
                List<Long> left = ProcessTable.runGroup(run.pgid(), run.runId());
                if (!left.isEmpty()) {
                    // the supervisor died; its guard is taking the group down: not over while any of it runs
                    return new RunStatus(bundle.name(), run.ended(run.state(), null, null, "launch.sh (pid " + run.pid()
                            + ") is gone; " + left.size() + " process(es) of its group still running " + left + ", being stopped", null),
                            false, heartbeat());
                }
                run = markLost(run);
            }
        }
        return new RunStatus(bundle.name(), run, alive, heartbeat());
    }

    /** Runtime state that came with an import: read, never signalled. */
    boolean imported() {
        return orbit.bundle.ImportedRuntime.covers(bundle.path(), runId);
    }

    private LastRun markLost(LastRun run) {
        String hb = heartbeat();
        LastRun lost = run.ended(RunState.LOST, Instant.now().toString(), null,
                "process " + run.pid() + " vanished in state " + run.state().wire() + " without finalizing"
                        + (hb == null ? "" : " (last heartbeat " + hb + ")"), hb);
        lost.write(runtimeDir());
        if (!archived()) writeManifest();
        return lost;
    }

    private String heartbeat() {
        return LastRun.heartbeat(runtimeDir());
    }

    @Override
    public RunStatus waitFor(Duration timeout) throws InterruptedException {
        return RunHandle.pollUntilEnded(this::status, timeout, POLL_MS);
    }

    @Override
    public RunStatus cancel(Duration grace) throws InterruptedException {
        LastRun run = read();
        if (run.state().terminal() || imported()) return status();
        // Signal only a group proven to be this run's: its leader is the recorded launch.sh, or (leader gone) members
        // that carry the run's marker. A pid or pgid that a file names is never enough.
        boolean leader = ProcessTable.isRun(run.pid(), run.pgid(), run.pidStartTicks(), run.runId());
        if (!leader && ProcessTable.runGroup(run.pgid(), run.runId()).isEmpty()) return status();
        long pgid = run.pgid();
        ProcessTable.signalGroup(pgid, "TERM");
        boolean gone = awaitGroupGone(pgid, grace);
        String how = "SIGTERM";
        if (!gone) {
            ProcessTable.signalGroup(pgid, "KILL");
            awaitGroupGone(pgid, Duration.ofSeconds(10));
            how = "SIGKILL";
        }
        run = read();
        if (!run.state().terminal()) {
            String hb = heartbeat();
            run.ended(RunState.CANCELLED, Instant.now().toString(), how,
                    "cancelled: process group " + pgid + " killed with " + how + " after a grace of " + grace.toSeconds() + "s", hb)
                    .write(runtimeDir());
            if (!archived()) writeManifest();
        }
        return status();
    }

    private static boolean awaitGroupGone(long pgid, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!ProcessTable.group(pgid).isEmpty()) {
            if (System.nanoTime() >= deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    /** The manifest is written by the script (one implementation); here only when the script could not. */
    private void writeManifest() {
        Path launch = bundle.scriptsDir().resolve(ScriptGenerator.LAUNCH);
        if (!Files.isRegularFile(launch)) return;
        try {
            Process p = new ProcessBuilder("bash", launch.toString(), "--manifest")
                    .directory(bundle.path().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run scripts/launch.sh --manifest", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Path surfacePath(LogSurface surface) {
        return new RunFiles(bundle, runId).surface(surface);
    }

    @Override
    public List<String> logs(LogSurface surface, int lines) {
        Path file = surfacePath(surface);
        return LogTail.lastLines(file, lines);
    }

    @Override
    public void follow(LogSurface surface, PrintWriter out, BooleanSupplier stop) throws InterruptedException {
        Path file = surfacePath(surface);
        long offset = 0;
        boolean ended = false;
        while (!stop.getAsBoolean()) {
            long before = offset;
            offset = LogTail.copyFrom(file, offset, out);
            if (ended && offset == before) return; // one last read after the run ended, then stop
            ended = status().state().terminal();
            if (!ended) Thread.sleep(POLL_MS);
        }
    }

    @Override
    public Pulled sync() {
        return Pulled.nothing("nothing to pull: run " + runId + " writes straight into " + bundle.path());
    }
}
