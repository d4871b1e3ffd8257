package orbit.nvml;

import orbit.OrbitException;

import java.time.Duration;

/** Sampling intervals as users type them: "1s", "500ms", "0.25s", "2m"; a bare number is seconds. */
public final class Interval {
    public static final Duration DEFAULT = Duration.ofSeconds(1);
    public static final Duration MINIMUM = Duration.ofMillis(100);

    private Interval() {}

    public static Duration parse(String text) {
        String s = text == null ? "" : text.strip().toLowerCase();
        double factorMs;
        String number;
        if (s.endsWith("ms")) {
            factorMs = 1;
            number = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            factorMs = 1000;
            number = s.substring(0, s.length() - 1);
        } else if (s.endsWith("m")) {
            factorMs = 60_000;
            number = s.substring(0, s.length() - 1);
        } else {
            factorMs = 1000;
            number = s;
        }
        double ms;
        try {
            ms = Double.parseDouble(number.strip()) * factorMs;
        } catch (NumberFormatException e) {
            throw new OrbitException("interval '" + text + "' is not a duration: write e.g. 1s, 500ms or 0.25s");
        }
        Duration d = Duration.ofMillis(Math.round(ms));
        if (d.compareTo(MINIMUM) < 0) {
            throw new OrbitException("interval '" + text + "' is below the 100ms minimum: use 100ms or more");
        }
        return d;
    }
}
