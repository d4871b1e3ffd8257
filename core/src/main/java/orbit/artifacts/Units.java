package orbit.artifacts;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Text as written by GPU tools and trainers → numbers, seconds and instants. Null means "not a value". */
final class Units {
    private Units() {}

    /** True for the ways nvidia-smi and friends say "no value": [N/A], [Not Supported], N/A, empty. */
    static boolean isNull(String s) {
        if (s == null) return true;
        String t = s.strip();
        return t.isEmpty() || t.startsWith("[") && t.endsWith("]") || t.equalsIgnoreCase("N/A")
                || t.equalsIgnoreCase("null") || t.equalsIgnoreCase("none") || t.equalsIgnoreCase("nan");
    }

    /** "97 %", "17304 MiB", "305.81 W", "22.83%", "0x0000000000000004" → the number; null if none. */
    static Double number(String s) {
        if (isNull(s)) return null;
        String t = s.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            try {
                return (double) Long.parseUnsignedLong(t.substring(2), 16);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        int end = 0;
        while (end < t.length() && "+-0123456789.eE".indexOf(t.charAt(end)) >= 0) end++;
        // an exponent sign must belong to a number: "1e-05" yes, "5 e" no
        if (end == 0) return null;
        try {
            return Double.parseDouble(t.substring(0, end));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The unit after a number ("17304 MiB" → "MiB", "97 %" → "%"), or "" if none. */
    static String unitOf(String s) {
        if (s == null) return "";
        String t = s.strip();
        int end = 0;
        while (end < t.length() && "+-0123456789.eE".indexOf(t.charAt(end)) >= 0) end++;
        return t.substring(end).strip();
    }

    /** "1h 2m 3s", "3d 4h 5m 6s", "60s", "0:01:02", "1 day, 2:03:04" → seconds; null if not a duration. */
    static Double seconds(String s) {
        if (isNull(s)) return null;
        String t = s.strip();
        if (t.contains(":")) return clockSeconds(t);
        double total = 0;
        boolean any = false;
        int i = 0;
        while (i < t.length()) {
            while (i < t.length() && t.charAt(i) == ' ') i++;
            int start = i;
            while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) i++;
            if (start == i) return any ? total : null;
            double v;
            try {
                v = Double.parseDouble(t.substring(start, i));
            } catch (NumberFormatException e) {
                return null;
            }
            int us = i;
            while (i < t.length() && Character.isLetter(t.charAt(i))) i++;
            String unit = t.substring(us, i);
            double mult = switch (unit) {
                case "d", "day", "days" -> 86400;
                case "h", "hr", "hrs" -> 3600;
                case "m", "min", "mins" -> 60;
                case "s", "sec", "secs", "" -> 1;
                case "ms" -> 0.001;
                default -> Double.NaN;
            };
            if (Double.isNaN(mult)) return null;
            total += v * mult;
            any = true;
        }
        return any ? total : null;
    }

    private static Double clockSeconds(String t) {
        double days = 0;
        int comma = t.indexOf(',');
        if (comma > 0) {
            Double d = number(t.substring(0, comma));
            if (d == null) return null;
            days = d;
            t = t.substring(comma + 1).strip();
        }
        String[] parts = t.split(":");
        double total = 0;
        try {
            for (String p : parts) total = total * 60 + Double.parseDouble(p.strip());
        } catch (NumberFormatException e) {
            return null;
        }
        return days * 86400 + total;
    }

    /**
     * Timestamps as GPU tools and loggers write them: ISO-8601 with or without zone
     * ("2026-11-28T18:01:02.123Z"), nvidia-smi's "2026/01/03 15:36:53.507", Python logging's
     * "2026-01-03 15:36:53,123". A time without a zone is read as UTC.
     */
    static Instant instant(String s) {
        if (isNull(s)) return null;
        String t = s.strip().replace('/', '-');
        if (t.length() >= 19 && t.charAt(10) == ' ') t = t.substring(0, 10) + 'T' + t.substring(11);
        t = t.replace(',', '.');
        try {
            if (t.endsWith("Z") || t.matches(".*[+-]\\d{2}:\\d{2}$")) return java.time.OffsetDateTime.parse(t).toInstant();
            if (t.matches(".*[+-]\\d{4}$")) {
                int k = t.length() - 5;
                return java.time.OffsetDateTime.parse(t.substring(0, k) + t.substring(k, k + 3) + ":" + t.substring(k + 3)).toInstant();
            }
            return LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
