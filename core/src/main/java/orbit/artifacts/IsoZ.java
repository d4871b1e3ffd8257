package orbit.artifacts;

import tech.tablesaw.columns.dates.PackedLocalDate;
import tech.tablesaw.columns.instant.PackedInstant;
import tech.tablesaw.columns.times.PackedLocalTime;

/**
 * The audit's timestamp form, "2026-11-28T18:01:02.123Z" (or without millis), read digit by digit into Tablesaw's
 * packed instant: a DateTimeFormatter per row would cost more than the rest of the row. Any other form, or a date
 * that does not exist, gives {@link #NONE} and the caller takes the general way ({@link Units#instant}).
 */
final class IsoZ {
    /** Not this form. */
    static final long NONE = Long.MIN_VALUE;

    private IsoZ() {}

    static long packed(byte[] b, int o, int len) {
        int[] f = fields(b, o, len);
        if (f == null) return NONE;
        return PackedInstant.create(PackedLocalDate.pack(f[0], f[1], f[2]), PackedLocalTime.of(f[3], f[4], f[5], f[6]));
    }

    /**
     * The same form as a {@link java.time.Instant}, with no Tablesaw class involved (for code that runs while Tablesaw
     * initialises on another thread); null for any other form.
     */
    static java.time.Instant instant(char[] c, int o, int len) {
        byte[] b = new byte[24];
        if (len > b.length) return null;
        for (int i = 0; i < len; i++) {
            if (c[o + i] > 0x7f) return null;
            b[i] = (byte) c[o + i];
        }
        int[] f = fields(b, 0, len);
        if (f == null) return null;
        long seconds = java.time.LocalDate.of(f[0], f[1], f[2]).toEpochDay() * 86_400L + f[3] * 3600L + f[4] * 60L + f[5];
        return java.time.Instant.ofEpochSecond(seconds, f[6] * 1_000_000L);
    }

    /** year, month, day, hour, minute, second, millisecond; null when not this form or not a real date and time. */
    private static int[] fields(byte[] b, int o, int len) {
        if (!((len == 24 || len == 20) && b[o + 4] == '-' && b[o + 7] == '-' && b[o + 10] == 'T' && b[o + 13] == ':'
                && b[o + 16] == ':' && b[o + len - 1] == 'Z' && (len == 20 || b[o + 19] == '.'))) return null;
        int y = digits(b, o, 4), mo = digits(b, o + 5, 2), d = digits(b, o + 8, 2);
        int h = digits(b, o + 11, 2), mi = digits(b, o + 14, 2), s = digits(b, o + 17, 2);
        int ms = len == 24 ? digits(b, o + 20, 3) : 0;
        if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > lengthOfMonth(y, mo)
                || h < 0 || h >= 24 || mi < 0 || mi >= 60 || s < 0 || s >= 60 || ms < 0) return null;
        return new int[] {y, mo, d, h, mi, s, ms};
    }

    /** The same over a parser's characters; {@code scratch} holds at least 24 bytes. */
    static long packed(char[] c, int o, int len, byte[] scratch) {
        if (len > scratch.length) return NONE;
        for (int i = 0; i < len; i++) {
            char ch = c[o + i];
            if (ch > 0x7f) return NONE;
            scratch[i] = (byte) ch;
        }
        return packed(scratch, 0, len);
    }

    private static int lengthOfMonth(int y, int mo) {
        if (mo == 2) return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
        return mo == 4 || mo == 6 || mo == 9 || mo == 11 ? 30 : 31;
    }

    private static int digits(byte[] b, int o, int count) {
        int v = 0;
        for (int i = 0; i < count; i++) {
            int d = b[o + i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }
}
