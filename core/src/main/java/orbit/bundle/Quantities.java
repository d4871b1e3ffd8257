package orbit.bundle;

import orbit.OrbitException;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes ("64G", "512Mi", "1.5T") and durations ("2h", "90m", "1h30m", "1d") as users write them in
 * job.json and on the command line. Binary units throughout: 1G = 1 GiB, as Slurm reads --mem.
 */
public final class Quantities {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]*)");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)([A-Za-z]*)");

    private Quantities() {}

    /** Bytes in a size like "64G"; {@code subject} names what is parsed in the one-line error. */
    public static long bytes(String subject, String text) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new OrbitException(subject + " = \"" + text + "\": not a size: write a number with a unit, e.g. 64G or 512M");
        }
        double n = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2).toUpperCase()) {
            case "", "B" -> 1L;
            case "K", "KB", "KI", "KIB" -> 1L << 10;
            case "M", "MB", "MI", "MIB" -> 1L << 20;
            case "G", "GB", "GI", "GIB" -> 1L << 30;
            case "T", "TB", "TI", "TIB" -> 1L << 40;
            default -> throw new OrbitException(subject + " = \"" + text + "\": unknown unit \"" + m.group(2)
                    + "\": use K, M, G or T (e.g. 64G)");
        };
        return (long) (n * unit);
    }

    /**
     * A duration like "2h", "90m", "1h30m", "45s", "500ms", "0.25s" or "1d". {@code subject} names what is parsed in the
     * one-line error (e.g. "job.json: resources.max_runtime" or "--timeout"); a bare number counts as seconds only
     * where {@code bareSeconds} allows it (command-line options), never in job.json.
     */
    public static Duration duration(String subject, String text, boolean bareSeconds) {
        String s = text == null ? "" : text.strip();
        Matcher m = DURATION_PART.matcher(s);
        Duration total = Duration.ZERO;
        int pos = 0;
        while (pos < s.length() && m.find(pos) && m.start() == pos) {
            double n = Double.parseDouble(m.group(1));
            String unit = m.group(2).toLowerCase();
            if (unit.isEmpty() && bareSeconds && m.end() == s.length() && pos == 0) unit = "s";
            long millis = switch (unit) {
                case "ms" -> 1L;
                case "s", "sec" -> 1_000L;
                case "m", "min" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                case "" -> throw new OrbitException(subject + " = \"" + text + "\": missing unit: use s, m, h or d (e.g. 2h, 90m)");
                default -> throw new OrbitException(subject + " = \"" + text + "\": unknown duration unit \"" + m.group(2)
                        + "\": use ms, s, m, h or d (e.g. 2h, 90m)");
            };
            total = total.plusMillis(Math.round(n * millis));
            pos = m.end();
        }
        if (s.isEmpty() || pos != s.length()) {
            throw new OrbitException(subject + " = \"" + text + "\": not a duration: write e.g. 2h, 90m or 1h30m");
        }
        return total;
    }
}
