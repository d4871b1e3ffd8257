package orbit.launch;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Where a run is: staged → probing → prechecking → running → one of the terminal states. */
public enum RunState {
    STAGED, PROBING, PRECHECKING, RUNNING, SUCCEEDED, FAILED, PRECHECK_FAILED, CANCELLED,
    /** Stopped for running past the job's max_runtime. */
    TIMEOUT, LOST;

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
            case SUCCEEDED, FAILED, PRECHECK_FAILED, CANCELLED, TIMEOUT, LOST -> true;
            default -> false;
        };
    }
}
