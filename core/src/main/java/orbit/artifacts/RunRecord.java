package orbit.artifacts;

import orbit.OrbitException;
import orbit.launch.LastRun;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * runtime/last_run.json (orbit.run.v1) as read back after a run, plus the runtime/heartbeat file's time.
 * Fields the file lacks are null; a file that cannot be read gives a state of "unknown". A run under Slurm also
 * has the job's id, Slurm's own state for it (raw, e.g. "TIMEOUT", "NODE_FAIL") and Slurm's reason.
 */
public record RunRecord(String runId, String target, String state, String host, Integer pid, Instant startedAt,
                       Instant endedAt, Integer exitCode, String signal, Instant lastHeartbeat, String reason,
                       Instant heartbeatFile, String slurmJobId, String slurmState, String slurmReason) implements orbit.display.MimeBundle {

    /** A small key/value table (text and HTML), not the record's raw fields on one line. */
    @Override
    public java.util.Map<String, String> mimeBundle() {
        return orbit.display.RecordView.of(this);
    }

    @Override
    public String toString() {
        return orbit.display.RecordView.text(this);
    }

    public static final String UNKNOWN = "unknown";

    /** A terminal state (succeeded, failed, precheck_failed, cancelled, timeout, lost), by the execution plane's own list. */
    public boolean ended() {
        return known().map(orbit.launch.RunState::terminal).orElse(false);
    }

    public boolean failed() {
        return switch (state) {
            case "failed", "precheck_failed", "lost", "timeout" -> true;
            default -> exitCode != null && exitCode != 0;
        };
    }

    /** The state as the execution plane's enum, when it is one it knows. */
    public java.util.Optional<orbit.launch.RunState> known() {
        try {
            return java.util.Optional.of(orbit.launch.RunState.of(state));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** Slurm's state for the job as one upper-case word ("CANCELLED by 1000" is CANCELLED), or null when not a Slurm run. */
    public String slurmVerdict() {
        if (slurmState == null || slurmState.isBlank()) return null;
        return slurmState.strip().split("[\\s+]")[0].toUpperCase(java.util.Locale.ROOT);
    }

    /** The latest sign of life: the heartbeat file or the heartbeat recorded in last_run.json. */
    public Instant latestHeartbeat() {
        if (lastHeartbeat == null) return heartbeatFile;
        if (heartbeatFile == null) return lastHeartbeat;
        return lastHeartbeat.isAfter(heartbeatFile) ? lastHeartbeat : heartbeatFile;
    }

    /** Reads runtime/last_run.json (through {@link LastRun}, its one reader) and runtime/heartbeat of a bundle directory. */
    public static RunRecord read(Path bundleDir) {
        Path runtime = bundleDir.resolve("runtime");
        Instant beat = heartbeat(runtime.resolve("heartbeat"));
        Optional<LastRun> found;
        try {
            found = LastRun.read(runtime);
        } catch (OrbitException e) {
            return new RunRecord(null, null, UNKNOWN, null, null, null, null, null, null, null, e.getMessage(), beat, null, null, null);
        }
        if (found.isEmpty()) {
            return new RunRecord(null, null, "never_run", null, null, null, null, null, null, null, "no runtime/last_run.json", beat, null, null, null);
        }
        LastRun r = found.get();
        return new RunRecord(r.runId(), r.target(), r.state() == null ? UNKNOWN : r.state().wire(), r.host(),
                r.pid() == null || r.pid() > Integer.MAX_VALUE || r.pid() < 0 ? null : r.pid().intValue(), Units.instant(r.startedAt()), Units.instant(r.endedAt()),
                r.exitCode(), r.signal(), Units.instant(r.lastHeartbeat()), r.reason(), beat,
                r.slurmJobId(), r.slurmState(), r.slurmReason());
    }

    private static Instant heartbeat(Path file) {
        try {
            Instant t = Units.instant(Files.readString(file).strip());
            return t != null ? t : Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return null;
        }
    }
}
