package orbit.slurm;

import orbit.launch.RunState;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One Slurm job as `scontrol show job -o ID` describes it (without accounting this is all there is, and only for
 * MinJobAge seconds after the job ends).
 *
 * @param state    Slurm's job state, e.g. RUNNING, TIMEOUT ("CANCELLED by 0" is cut to CANCELLED)
 * @param reason   Slurm's reason, or null for "None"
 * @param exitCode the batch script's exit code, or null when Slurm has none
 * @param signal   the signal that ended it, or 0
 */
public record SlurmJob(String id, String state, String reason, Integer exitCode, int signal, String nodes) {

    /** Parses scontrol's one-line form; empty when scontrol no longer (or never) knew the job. */
    public static Optional<SlurmJob> parse(String id, String oneLine) {
        Map<String, String> f = new HashMap<>();
        for (String word : oneLine.strip().split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) f.putIfAbsent(word.substring(0, eq), word.substring(eq + 1));
        }
        String state = f.get("JobState");
        if (state == null || !id.equals(f.get("JobId"))) return Optional.empty();
        String reason = f.get("Reason");
        Integer code = null;
        int sig = 0;
        String ec = f.get("ExitCode");
        if (ec != null && ec.matches("\\d+:\\d+")) {
            code = Integer.parseInt(ec.substring(0, ec.indexOf(':')));
            sig = Integer.parseInt(ec.substring(ec.indexOf(':') + 1));
        }
        return Optional.of(new SlurmJob(id, state, reason == null || reason.equals("None") ? null : reason, code, sig, f.get("NodeList")));
    }

    /** Whether Slurm has finished with the job (its processes are gone). */
    public boolean ended() {
        return switch (state) {
            case "PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
                 "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD" -> false;
            default -> true;
        };
    }

    /** The run state this Slurm state reads as, before the job's own record is consulted. */
    public RunState runState() {
        return switch (state) {
            case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD" -> RunState.QUEUED;
            case "COMPLETED" -> RunState.SUCCEEDED;
            case "CANCELLED" -> RunState.CANCELLED;
            case "TIMEOUT", "DEADLINE" -> RunState.TIMEOUT;
            case "NODE_FAIL", "BOOT_FAIL", "PREEMPTED" -> RunState.LOST;
            case "FAILED", "OUT_OF_MEMORY", "SPECIAL_EXIT" -> RunState.FAILED;
            default -> ended() ? RunState.FAILED : RunState.RUNNING; // RUNNING, COMPLETING, SUSPENDED, SIGNALING, ...
        };
    }

    /** States where Slurm knows better than the job's own record how the run ended. */
    public boolean verdictWins() {
        return switch (state) {
            case "TIMEOUT", "DEADLINE", "NODE_FAIL", "BOOT_FAIL", "OUT_OF_MEMORY", "PREEMPTED" -> true;
            default -> false;
        };
    }

    /** One line for the run's reason when Slurm's verdict is the one shown. */
    public String verdict() {
        String why = switch (state) {
            case "TIMEOUT" -> "Slurm time limit reached";
            case "DEADLINE" -> "Slurm deadline reached";
            case "NODE_FAIL" -> "a node of the allocation failed";
            case "BOOT_FAIL" -> "a node of the allocation failed to boot";
            case "OUT_OF_MEMORY" -> "out of memory: Slurm killed the job at its --mem limit";
            case "PREEMPTED" -> "preempted by Slurm";
            default -> "Slurm says " + state;
        };
        return why + " (job " + id + " " + state + (reason == null ? "" : ", reason " + reason) + ")";
    }
}
