package orbit.nvml;

import orbit.OrbitException;

import java.time.Duration;

/** Sampling intervals as users type them: "1s", "500ms", "0.25s", "2m"; a bare number is seconds. */
public final class Interval {
    public static final Duration DEFAULT = Duration.ofSeconds(1);
    public static final Duration MINIMUM = Duration.ofMillis(100);

    private Interval() {}

    public static Duration parse(String text) {
        Duration d = orbit.bundle.Quantities.duration("interval", text, true);
        if (d.compareTo(MINIMUM) < 0) {
            throw new OrbitException("interval '" + text + "' is below the 100ms minimum: use 100ms or more");
        }
        return d;
    }
}
