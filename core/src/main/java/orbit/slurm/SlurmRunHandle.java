package orbit.slurm;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.launch.LastRun;
import orbit.launch.LogTail;
import orbit.launch.Pulled;
import orbit.launch.RunFiles;
import orbit.launch.RunHandle;
import orbit.launch.RunState;
import orbit.launch.RunStatus;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A run that is a Slurm job. The job's own runtime/last_run.json (written by launch.sh on rank 0) says what the run
 * did; Slurm says whether it is still alive and, for a time limit, a failed node, the memory limit or a preemption,
 * how it ended. Once Slurm says the job ended the merged verdict is written to last_run.json with Slurm's raw state
 * and reason, because without accounting Slurm forgets the job MinJobAge seconds later.
 */
final class SlurmRunHandle implements RunHandle {
    private static final long POLL_MS = 250;
    private static final Duration QUERY_LIMIT = Duration.ofSeconds(30);
    /** The batch shell's record of the signals it received (TERM: a cancel or the time limit; USR1: the limit is near). */
    static final String SIGNALS = "slurm-signals.log";

    private final Bundle bundle;
    private final String runId;
    private final SlurmCommands slurm;

    /** Set when Slurm is reached through a login node: the job's files are there, and pulled here. */
    private final SlurmOverSsh remote;
    private long lastPullNanos;

    SlurmRunHandle(Bundle bundle, String runId, SlurmCommands slurm) {
        this.bundle = bundle;
        this.runId = runId;
        this.slurm = slurm;
        this.remote = slurm instanceof SlurmOverSsh r ? r : null;
    }

    /**
     * The job's own record. Over SSH it is read from the login node's copy and mirrored here (this side writes only
     * Slurm's final verdict); on a shared filesystem it is the bundle's own file.
     */
    private LastRun jobRecord() {
        LastRun local = read();
        if (remote == null || local.state().terminal() && local.slurmState() != null) return local;
        Optional<LastRun> there = remote.jobRecord();
        if (there.isEmpty() || !runId.equals(there.get().runId())) return local;
        there.get().write(runtimeDir());
        return there.get();
    }

    /** Over SSH: brings the evidence here, at most once per {@code every}; failures leave what was pulled before. */
    private void pullIfDue(Duration every) {
        if (remote == null || System.nanoTime() - lastPullNanos < every.toNanos()) return;
        lastPullNanos = System.nanoTime();
        try {
            remote.pull(bundle);
        } catch (OrbitException e) {
            // the login node did not answer: the next look tries again
        }
    }

    @Override
    public void close() {
        if (remote != null) remote.close();
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

    private LastRun read() {
        Optional<LastRun> run;
        try {
            run = LastRun.read(runtimeDir());
        } catch (OrbitException e) {
            run = Optional.empty(); // caught mid-rename by launch.sh: read again below
        }
        if (run.isEmpty()) run = LastRun.read(runtimeDir());
        return run.orElseThrow(() -> new OrbitException("run " + runId + " of " + bundle.name()
                + " has no runtime/last_run.json: launch it with `orbit launch " + bundle.name() + " --target slurm`"));
    }

    @Override
    public RunStatus status() {
        LastRun run = read();
        String id = run.slurmJobId();
        if (id == null || run.state().terminal() && run.slurmState() != null) return new RunStatus(bundle.name(), run, false, heartbeat());
        SlurmCommands.Result r = slurm.run(List.of("scontrol", "show", "job", "-o", id), QUERY_LIMIT);
        Optional<SlurmJob> job = r.ok() ? SlurmJob.parse(id, r.stdout()) : Optional.empty();
        if (job.isEmpty() && !forgotten(r)) {
            // Slurm did not answer: the record is all there is, and nothing is written on that basis
            Optional<Duration> silent = remote == null ? Optional.empty() : remote.silentBeyondLostAfter();
            if (silent.isPresent()) {
                // the login node has been silent past --lost-after: shown as lost (not written), as for the SSH target;
                // the job may still run on the cluster, and the next answer from Slurm decides again
                return new RunStatus(bundle.name(), run.withSlurm(RunState.LOST, null, run.exitCode(),
                        "the login node " + slurm.where() + " has not answered for " + silent.get().toSeconds() + " s (--lost-after "
                                + remote.lease().lostAfter().toSeconds() + " s): job " + id + " may still run; this turns back when it answers ("
                                + r.why() + ")", run.slurmState(), run.slurmReason()), false, heartbeat());
            }
            return new RunStatus(bundle.name(), run.withSlurm(run.state(), run.endedAt(), run.exitCode(),
                    "Slurm did not answer about job " + id + " on " + slurm.where() + ": " + r.why(), run.slurmState(), run.slurmReason()), false, heartbeat());
        }
        if (remote != null) remote.seen(runtimeDir());
        run = jobRecord(); // the job may have written its end between the first read and Slurm's answer
        if (job.isEmpty()) return finish(run, forgottenVerdict(run));
        SlurmJob j = job.get();
        if (!j.ended()) {
            // alive: the record's finer state (probing, prechecking, running) unless it says more than Slurm does
            RunState shown = j.runState() == RunState.QUEUED ? RunState.QUEUED
                    : run.state().terminal() || run.state() == RunState.QUEUED || run.state() == RunState.STAGED ? RunState.RUNNING : run.state();
            return new RunStatus(bundle.name(), run.withSlurm(shown, null, run.exitCode(), run.reason(), j.state(), j.reason()), true, heartbeat());
        }
        return finish(run, verdict(run, j));
    }

    /** scontrol's answer for a job it no longer has (finished more than MinJobAge ago) or never had. */
    private static boolean forgotten(SlurmCommands.Result r) {
        return r.ok() || (r.stderr() + r.stdout()).contains("Invalid job id");
    }

    private RunStatus finish(LastRun run, LastRun decided) {
        if (remote != null) {
            lastPullNanos = 0;
            pullIfDue(Duration.ZERO); // the job is over: everything it wrote comes here once more
        }
        decided.write(runtimeDir());
        return new RunStatus(bundle.name(), decided, false, heartbeat());
    }

    /** Slurm ended the job: whose word the run's end is. */
    LastRun verdict(LastRun run, SlurmJob j) {
        String now = Instant.now().toString();
        String ended = run.endedAt() != null ? run.endedAt() : now;
        Integer code = run.exitCode() != null ? run.exitCode() : j.exitCode();
        if (j.verdictWins()) return run.withSlurm(j.runState(), ended, code, j.verdict(), j.state(), j.reason());
        if (run.state().terminal()) {
            // only the job knows precheck_failed, and that a cancel it recorded was one (Slurm says FAILED: a non-zero exit)
            return run.withSlurm(run.state(), ended, run.exitCode(), run.reason(), j.state(), j.reason());
        }
        RunState s = j.runState();
        String why = s == RunState.CANCELLED ? "cancelled in Slurm while " + run.state().wire() + " (job " + j.id() + ")"
                : "Slurm job " + j.id() + " ended " + j.state() + " (exit code " + j.exitCode() + ") but the run recorded no end (last state "
                + run.state().wire() + "): see runtime/slurm-" + j.id() + ".out";
        if (s == RunState.SUCCEEDED) s = RunState.FAILED; // the job's script ended without launch.sh saying it succeeded
        return run.withSlurm(s, ended, code, why, j.state(), j.reason());
    }

    /** Slurm no longer knows the job: the record stands where it is final, and the gap is said. */
    private LastRun forgottenVerdict(LastRun run) {
        String note = "Slurm's final state of job " + run.slurmJobId() + " could not be read (gone from slurmctld: MinJobAge passed, no accounting)";
        if (run.state().terminal()) {
            if (run.state() == RunState.CANCELLED && signalled("USR1")) {
                return run.withSlurm(RunState.TIMEOUT, run.endedAt(), run.exitCode(),
                        "stopped after Slurm's time-limit warning (USR1); " + note, "UNKNOWN", null);
            }
            return run.withSlurm(run.state(), run.endedAt(), run.exitCode(), (run.reason() == null ? "" : run.reason() + "; ") + note, "UNKNOWN", null);
        }
        return run.withSlurm(RunState.LOST, Instant.now().toString(), run.exitCode(),
                "the run recorded no end (last state " + run.state().wire() + ") and " + note, "UNKNOWN", null);
    }

    /** Whether the batch shell recorded this signal (its own file under runtime/, read only to explain a state). */
    private boolean signalled(String name) {
        try {
            Path f = runtimeDir().resolve(SIGNALS);
            return Files.isRegularFile(f) && Files.readAllLines(f).stream().anyMatch(l -> l.endsWith(" " + name));
        } catch (IOException e) {
            return false;
        }
    }

    private String heartbeat() {
        return LastRun.heartbeat(runtimeDir());
    }

    @Override
    public RunStatus waitFor(Duration timeout) throws InterruptedException {
        return RunHandle.pollUntilEnded(this::status, timeout, POLL_MS);
    }

    /**
     * SIGTERM to every task of the job's steps ({@code scancel --signal=TERM}), so rank 0 records the cancel and the job's
     * processes can save what they hold; after {@code grace}, {@code scancel}, Slurm's own kill. The batch shell is not
     * sent the first TERM ({@code --full}): srun answers a SIGTERM by killing its step with SIGKILL, which would leave
     * rank 0 no moment to record anything. A job still queued is just cancelled.
     */
    @Override
    public RunStatus cancel(Duration grace) throws InterruptedException {
        RunStatus st = status();
        if (st.state().terminal()) return st;
        String id = st.run().slurmJobId();
        if (st.state() == RunState.QUEUED) {
            scancel(List.of("scancel", id));
        } else {
            scancel(List.of("scancel", "--signal=TERM", id));
            st = waitFor(grace);
            if (st.state().terminal()) return st;
            scancel(List.of("scancel", id));
        }
        // Slurm's KillWait (30 s by default) bounds how long the job's processes may take after scancel
        return waitFor(Duration.ofSeconds(120));
    }

    private void scancel(List<String> argv) {
        SlurmCommands.Result r = slurm.run(argv, QUERY_LIMIT);
        if (!r.ok() && !r.why().contains("already completing or completed")) {
            throw new OrbitException(String.join(" ", argv) + " failed on " + slurm.where() + ": " + r.why()
                    + ": check the job with `squeue -j " + argv.get(argv.size() - 1) + "`");
        }
    }

    private Path surfacePath(LogSurface surface) {
        return new RunFiles(bundle, runId).surface(surface);
    }

    @Override
    public List<String> logs(LogSurface surface, int lines) {
        pullIfDue(Duration.ZERO);
        return LogTail.lastLines(surfacePath(surface), lines);
    }

    @Override
    public void follow(LogSurface surface, PrintWriter out, BooleanSupplier stop) throws InterruptedException {
        Path file = surfacePath(surface);
        long offset = 0;
        boolean ended = false;
        while (!stop.getAsBoolean()) {
            long before = offset;
            if (remote != null) pullIfDue(Duration.ofMillis(Math.min(remote.lease().syncEveryMs(), 2000)));
            offset = LogTail.copyFrom(file, offset, out);
            if (ended && offset == before) return; // one last read after the run ended, then stop
            ended = status().state().terminal();
            if (!ended) Thread.sleep(POLL_MS);
        }
    }

    @Override
    public Pulled sync() {
        if (remote != null) {
            orbit.ssh.EvidencePull.Report r = remote.pull(bundle);
            return new Pulled(r.fetched() + r.appended(), r.bytes(), r.toString());
        }
        return Pulled.nothing("nothing to pull: Slurm job " + read().slurmJobId() + " writes straight into " + bundle.path()
                + " (a filesystem the nodes share)");
    }
}
