package orbit.launch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * runtime/last_run.json (schema orbit.run.v1): the state of the latest run of a bundle. The generated
 * launch.sh writes it at every transition it makes; the control side writes it only for what the
 * script cannot say itself (cancelled after SIGKILL, lost). The one reader and writer of the file in Java.
 * {@code slurm_job_id} marks a run that is a Slurm job (no pid until it starts, liveness from Slurm): the Slurm
 * target writes it at submission and launch.sh keeps it. {@code slurm_state} and {@code slurm_reason} are Slurm's own
 * final word on the job (e.g. "TIMEOUT", "NODE_FAIL"), recorded by the control side once Slurm says the job ended.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"schema_version", "run_id", "target", "state", "host", "pid", "pgid", "pid_start_ticks",
        "started_at", "ended_at", "exit_code", "signal", "last_heartbeat", "job_sha256", "reason", "slurm_job_id", "slurm_state", "slurm_reason"})
public record LastRun(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("run_id") String runId,
        @JsonProperty("target") String target,
        @JsonProperty("state") RunState state,
        @JsonProperty("host") String host,
        @JsonProperty("pid") Long pid,
        @JsonProperty("pgid") Long pgid,
        @JsonProperty("pid_start_ticks") String pidStartTicks,
        @JsonProperty("started_at") String startedAt,
        @JsonProperty("ended_at") String endedAt,
        @JsonProperty("exit_code") Integer exitCode,
        @JsonProperty("signal") String signal,
        @JsonProperty("last_heartbeat") String lastHeartbeat,
        @JsonProperty("job_sha256") String jobSha256,
        @JsonProperty("reason") String reason,
        @JsonProperty("slurm_job_id") @JsonInclude(JsonInclude.Include.NON_NULL) String slurmJobId,
        @JsonProperty("slurm_state") @JsonInclude(JsonInclude.Include.NON_NULL) String slurmState,
        @JsonProperty("slurm_reason") @JsonInclude(JsonInclude.Include.NON_NULL) String slurmReason) {

    public static final String SCHEMA = "orbit.run.v1";

    /** A run with a process of its own (not a Slurm job): what launch.sh records. */
    public LastRun(String schemaVersion, String runId, String target, RunState state, String host, Long pid, Long pgid,
                   String pidStartTicks, String startedAt, String endedAt, Integer exitCode, String signal,
                   String lastHeartbeat, String jobSha256, String reason) {
        this(schemaVersion, runId, target, state, host, pid, pgid, pidStartTicks, startedAt, endedAt, exitCode, signal,
                lastHeartbeat, jobSha256, reason, null, null, null);
    }
    public static final String FILE = "last_run.json";

    public static Optional<LastRun> read(Path runtimeDir) {
        Path file = runtimeDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            return Optional.of(parse(Files.readAllBytes(file)));
        } catch (IOException | IllegalArgumentException e) {
            throw new OrbitException("runtime/" + FILE + " is unreadable (" + firstLine(e) + "): inspect " + file);
        }
    }

    /**
     * The text of a last_run.json however it arrived (a file here, a host's copy over SSH). An object that names an
     * unknown state, or is not an object, is refused like malformed JSON.
     */
    public static LastRun parse(byte[] json) throws IOException {
        LastRun r = Json.MAPPER.readValue(json, LastRun.class);
        if (r == null) throw new IOException("empty document, not a run record");
        return r;
    }

    /** runtime/heartbeat's last beat as written (an instant), null when there is none or it cannot be read. */
    public static String heartbeat(Path runtimeDir) {
        try {
            Path hb = runtimeDir.resolve("heartbeat");
            return java.nio.file.Files.isRegularFile(hb) ? java.nio.file.Files.readString(hb).strip() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The state recorded in {@code runtimeDir}'s last_run.json ("succeeded"), null when there is none, "unreadable". */
    public static String stateOf(Path runtimeDir) {
        try {
            return read(runtimeDir).map(r -> r.state() == null ? "unknown" : r.state().wire()).orElse(null);
        } catch (OrbitException e) {
            return "unreadable";
        }
    }

    private static String firstLine(Exception e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    public void write(Path runtimeDir) {
        AtomicFile.writeJson(runtimeDir.resolve(FILE), this);
    }

    /** The file's text as {@link #write} stores it, for a copy written elsewhere (a host's runtime/). */
    public byte[] bytes() {
        byte[] body = Json.bytes(this);
        byte[] line = java.util.Arrays.copyOf(body, body.length + 1);
        line[body.length] = '\n';
        return line;
    }

    /** The same run, ended by the control side (the script could not say so itself). */
    public LastRun ended(RunState newState, String endedAt, String signal, String reason, String heartbeat) {
        return new LastRun(schemaVersion, runId, target, newState, host, pid, pgid, pidStartTicks, startedAt,
                endedAt, exitCode, signal, heartbeat == null ? lastHeartbeat : heartbeat, jobSha256, reason, slurmJobId, slurmState, slurmReason);
    }

    /** A Slurm job just submitted: queued, no host or pid yet. */
    public static LastRun queued(String runId, String target, String jobSha256, String slurmJobId, String at) {
        return new LastRun(SCHEMA, runId, target, RunState.QUEUED, null, null, null, null, at, null, null, null, null,
                jobSha256, null, slurmJobId, null, null);
    }

    /** The same run as Slurm has it: the state shown, the exit code when Slurm knows one, Slurm's raw state and reason. */
    public LastRun withSlurm(RunState newState, String endedAt, Integer code, String newReason, String state, String slurmWhy) {
        return new LastRun(schemaVersion, runId, target, newState, host, pid, pgid, pidStartTicks, startedAt, endedAt,
                code, signal, lastHeartbeat, jobSha256, newReason, slurmJobId, state, slurmWhy);
    }
}
