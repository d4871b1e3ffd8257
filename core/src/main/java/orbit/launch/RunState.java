package orbit.launch;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where a run is: staged → (queued) → probing → prechecking → running → one of the terminal states. */
public enum RunState {
    STAGED,
    /** Waiting in a scheduler's queue (a scheduler target's run before launch.sh starts). */
    QUEUED,
    PROBING, PRECHECKING, RUNNING, SUCCEEDED, FAILED, PRECHECK_FAILED, CANCELLED, LOST,
    /** Ended by the launch script because job.json's resources.max_runtime passed. */
    TIMEOUT;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static RunState of(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }

    public boolean terminal() {
        return switch (this) {
            case SUCCEEDED, FAILED, PRECHECK_FAILED, CANCELLED, LOST, TIMEOUT -> true;
            default -> false;
        };
    }
}
