package orbit.bundle;

import orbit.OrbitException;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes ("64G", "512Mi", "1.5T") and durations ("2h", "90m", "1h30m", "1d") as users write them in
 * job.json and on the command line. Binary units throughout: 1G = 1 GiB, as Slurm reads --mem.
 */
public final class Quantities {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]*)");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)([A-Za-z]*)");
    /** Longer than any number a person means; it bounds the exact arithmetic below. */
    private static final int MAX_TEXT = 40;
    /** The longest duration accepted anywhere: ten years. */
    public static final Duration MAX_DURATION = Duration.ofDays(3650);

    private Quantities() {}

    /**
     * Bytes in a size like "64G" (1 byte or more; a fraction of a byte is dropped). {@code subject} names what is parsed
     * in the one-line error. Computed exactly: a size too large for a long is refused, never saturated.
     */
    public static long bytes(String subject, String text) {
        String s = text == null ? "" : text.strip();
        Matcher m = SIZE.matcher(s);
        if (s.length() > MAX_TEXT || !m.matches()) {
            throw new OrbitException(subject + " = \"" + text + "\": not a size: write a number with a unit, e.g. 64G or 512M");
        }
        long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "", "B" -> 1L;
            case "K", "KB", "KI", "KIB" -> 1L << 10;
            case "M", "MB", "MI", "MIB" -> 1L << 20;
            case "G", "GB", "GI", "GIB" -> 1L << 30;
            case "T", "TB", "TI", "TIB" -> 1L << 40;
            default -> throw new OrbitException(subject + " = \"" + text + "\": unknown unit \"" + m.group(2)
                    + "\": use K, M, G or T (e.g. 64G)");
        };
        BigDecimal n = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).setScale(0, RoundingMode.DOWN);
        if (n.signum() == 0) {
            throw new OrbitException(subject + " = \"" + text + "\": less than one byte: give a size of 1 byte or more, e.g. 64G");
        }
        if (n.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new OrbitException(subject + " = \"" + text + "\": too large: at most " + (Long.MAX_VALUE >> 40) + "T");
        }
        return n.longValueExact();
    }

    /**
     * A duration like "2h", "90m", "1h30m", "45s", "500ms", "0.25s" or "1d": each unit at most once, largest first.
     * {@code subject} names what is parsed in the one-line error (e.g. "job.json: resources.max_runtime" or "--timeout");
     * a bare number counts as seconds only where {@code bareSeconds} allows it (command-line options), never in job.json.
     * Computed exactly: a whole number of milliseconds, at most {@link #MAX_DURATION}; zero is the caller's to refuse.
     */
    public static Duration duration(String subject, String text, boolean bareSeconds) {
        String s = text == null ? "" : text.strip();
        if (s.length() > MAX_TEXT) {
            throw new OrbitException(subject + " = \"" + text + "\": not a duration: write e.g. 2h, 90m or 1h30m");
        }
        Matcher m = DURATION_PART.matcher(s);
        BigDecimal millis = BigDecimal.ZERO;
        long previous = Long.MAX_VALUE;
        int pos = 0;
        while (pos < s.length() && m.find(pos) && m.start() == pos) {
            String unit = m.group(2).toLowerCase(Locale.ROOT);
            if (unit.isEmpty() && bareSeconds && m.end() == s.length() && pos == 0) unit = "s";
            long perUnit = switch (unit) {
                case "ms" -> 1L;
                case "s", "sec" -> 1_000L;
                case "m", "min" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                case "" -> throw new OrbitException(subject + " = \"" + text + "\": missing unit: use s, m, h or d (e.g. 2h, 90m)");
                default -> throw new OrbitException(subject + " = \"" + text + "\": unknown duration unit \"" + m.group(2)
                        + "\": use ms, s, m, h or d (e.g. 2h, 90m)");
            };
            if (perUnit >= previous) {
                throw new OrbitException(subject + " = \"" + text + "\": not one duration: give each unit once, largest first, e.g. 1h30m");
            }
            previous = perUnit;
            millis = millis.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(perUnit)));
            pos = m.end();
        }
        if (s.isEmpty() || pos != s.length()) {
            throw new OrbitException(subject + " = \"" + text + "\": not a duration: write e.g. 2h, 90m or 1h30m");
        }
        if (millis.compareTo(BigDecimal.valueOf(MAX_DURATION.toMillis())) > 0) {
            throw new OrbitException(subject + " = \"" + text + "\": too long: at most " + MAX_DURATION.toDays() + "d");
        }
        if (millis.stripTrailingZeros().scale() > 0) {
            throw new OrbitException(subject + " = \"" + text + "\": finer than a millisecond: round it, e.g. 500ms");
        }
        return Duration.ofMillis(millis.longValueExact());
    }
}
