package orbit.artifacts;


import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static orbit.artifacts.AuditColumns.FIELDS;
import static orbit.artifacts.AuditColumns.KIND;
import static orbit.artifacts.AuditColumns.K_DOUBLE;
import static orbit.artifacts.AuditColumns.K_ERRORS;
import static orbit.artifacts.AuditColumns.K_EVENT;
import static orbit.artifacts.AuditColumns.K_INT;
import static orbit.artifacts.AuditColumns.K_NAMES;
import static orbit.artifacts.AuditColumns.K_PROCS;
import static orbit.artifacts.AuditColumns.K_STRING;
import static orbit.artifacts.AuditColumns.K_THROTTLE;
import static orbit.artifacts.AuditColumns.K_TS;
import static orbit.artifacts.AuditColumns.MISSING_INT;

/**
 * The plain way: the common line shape read straight from its bytes into a new row of {@link AuditColumns}.
 * Almost every line a sampler writes has that shape; a line that leaves it is left to {@link JacksonAuditLine}.
 */
final class PlainAuditLine {
    /**
     * Thrown (one shared instance, no stack trace) where a line leaves the plain shape that {@link #read} reads:
     * an event, a key not in the schema or twice on the line, an integer out of its column's range, an escape or non-ASCII text, a number with an exponent or more digits
     * than a long or a double holds exactly, a value of another type than its column's, an object spread over
     * lines, anything that is not JSON. Jackson then reads that line, so every rule about such lines (coercion,
     * corrupt lines, unknown keys) stays in one place.
     */
    private static final class NotPlain extends Exception {
        NotPlain() {
            super(null, null, false, false);
        }
    }

    private static final NotPlain NOT_PLAIN = new NotPlain();
    private static final String[] KEY_NAMES;
    private static final int[] KEY_IDS;

    static {
        KEY_NAMES = FIELDS.keySet().toArray(new String[0]);
        KEY_IDS = new int[KEY_NAMES.length];
        for (int i = 0; i < KEY_NAMES.length; i++) KEY_IDS[i] = FIELDS.get(KEY_NAMES[i]);
    }

    private static final byte[] MEM_MIB = "mem_mib".getBytes(StandardCharsets.US_ASCII);
    /** Powers of ten up to 10^22, each exactly a double. */
    private static final double[] POW10 = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++, p *= 10) POW10[i] = p;
    }

    // the previous plain line's keys in order (as bytes) and their field ids: most lines repeat them
    private final byte[][] orderKeys = new byte[64][];
    private final int[] orderIds = new int[64];
    private int at; // the plain reader's position in the line
    private long seen; // the keys of the line so far, one bit per key index
    private byte[] nameBytes = new byte[64];
    private final AuditColumns rows;

    PlainAuditLine(AuditColumns rows) {
        this.rows = rows;
    }

    /**
     * Reads the line at {@code pos} into a new row if it is a plain sample line: one object of schema keys with
     * numbers, ASCII strings without escapes, null, string arrays (throttle_reason_names) and objects of numbers
     * (procs), spaces or tabs between tokens. Returns the index of the line break after it, or -1 (no row kept).
     * The values equal what Jackson gives for the same text: integers of up to 18 digits, decimals of up to 15
     * significant digits (a long over an exact power of ten, which IEEE division rounds correctly, as Jackson's
     * parser does); anything else is left to Jackson.
     */
    int read(byte[] b, int pos) {
        rows.newRow();
        seen = 0;
        try {
            at = pos;
            space(b);
            if (b[at] != '{') return -1;
            at++;
            space(b);
            if (b[at] == '}') {
                at++;
            } else {
                for (int k = 0; ; k++) {
                    int id = plainKey(b, k);
                    space(b);
                    if (b[at] != ':') return -1;
                    at++;
                    space(b);
                    plainValue(b, id);
                    space(b);
                    byte c = b[at++];
                    if (c == '}') break;
                    if (c != ',') return -1;
                    space(b);
                }
            }
            space(b);
            byte c = b[at];
            if (c != '\n' && c != '\r') return -1;
            rows.n++;
            return at;
        } catch (NotPlain e) {
            return -1;
        }
    }

    /** Small enough for C1 to inline at each of its many call sites; writers rarely put spaces between tokens. */
    private void space(byte[] b) {
        byte c = b[at];
        if (c == ' ' || c == '\t') skipSpace(b);
    }

    private void skipSpace(byte[] b) {
        int i = at; // positions live in locals while bytes are walked: the launcher's C1 code stores fields on every write
        while (b[i] == ' ' || b[i] == '\t') i++;
        at = i;
    }

    /** The key at {@code at} (on its opening quote), the {@code k}-th of its line: its field id; past its closing quote. */
    private int plainKey(byte[] b, int k) throws NotPlain {
        if (b[at] != '"') throw NOT_PLAIN;
        int s = ++at;
        if (k < orderKeys.length) {
            byte[] want = orderKeys[k];
            if (want != null && sameBytes(b, s, want)) {
                at = s + want.length + 1;
                return once(orderIds[k]);
            }
        }
        int e = plainStringEnd(b, s);
        at = e + 1;
        for (int i = 0; i < KEY_NAMES.length; i++) {
            String name = KEY_NAMES[i];
            if (name.length() == e - s && sameText(name, b, s)) {
                int id = KEY_IDS[i];
                if (id == K_EVENT) throw NOT_PLAIN;
                if (k < orderKeys.length) {
                    orderKeys[k] = name.getBytes(StandardCharsets.US_ASCII);
                    orderIds[k] = id;
                }
                return once(id);
            }
        }
        throw NOT_PLAIN; // not in the schema: Jackson's way lists it in the report
    }

    /** {@code id}, unless its key was already on this line: Jackson's way reports the duplicate. */
    private int once(int id) throws NotPlain {
        long bit = 1L << (id >>> 16);
        if ((seen & bit) != 0) throw NOT_PLAIN;
        seen |= bit;
        return id;
    }

    /** True when the bytes at {@code s} are {@code want} followed by a closing quote. */
    private static boolean sameBytes(byte[] b, int s, byte[] want) {
        for (int i = 0; i < want.length; i++) if (b[s + i] != want[i]) return false;
        return b[s + want.length] == '"';
    }

    private static boolean sameText(String name, byte[] b, int s) {
        for (int i = 0; i < name.length(); i++) if (b[s + i] != name.charAt(i)) return false;
        return true;
    }

    /** From just after an opening quote: the index of the closing quote of a string of printable ASCII without escapes. */
    private static int plainStringEnd(byte[] b, int s) throws NotPlain {
        int i = s;
        byte c;
        while ((c = b[i]) != '"') {
            if (c < 0x20 || c == '\\') throw NOT_PLAIN; // control characters end the line; non-ASCII bytes are negative
            i++;
        }
        return i;
    }

    private void plainValue(byte[] b, int id) throws NotPlain {
        AuditColumns r = rows;
        int n = r.n;
        int slot = id & 0xff;
        switch (id & KIND) {
            case K_INT -> {
                if (plainNull(b)) return; // already missing
                long v = plainLong(b);
                if (v > Integer.MAX_VALUE || v <= Integer.MIN_VALUE) throw NOT_PLAIN; // out of range: Jackson's way reports it
                r.ints[slot][n] = (int) v;
            }
            case K_DOUBLE -> {
                if (!plainNull(b)) r.doubles[slot][n] = plainDouble(b);
            }
            case K_STRING -> {
                if (!plainNull(b)) r.strings[slot][n] = plainString(b, slot);
            }
            case K_TS -> {
                if (!plainNull(b)) r.ts[n] = plainInstant(b);
            }
            case K_THROTTLE -> {
                if (!plainNull(b)) r.throttle[n] = plainBitmask(b);
            }
            case K_PROCS -> {
                if (!plainNull(b)) plainProcs(b);
            }
            case K_NAMES -> {
                if (!plainNull(b)) r.strings[slot][n] = b[at] == '[' ? plainNames(b, slot) : plainString(b, slot);
            }
            case K_ERRORS -> {
                if (!plainNull(b)) r.strings[slot][n] = plainErrors(b, slot);
            }
            default -> throw NOT_PLAIN;
        }
    }

    private boolean plainNull(byte[] b) {
        int i = at;
        if (b[i] != 'n') return false;
        if (b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l') {
            at = i + 4;
            return true;
        }
        return false;
    }

    /** A JSON integer of at most 18 digits. */
    private long plainLong(byte[] b) throws NotPlain {
        boolean neg = b[at] == '-';
        if (neg) at++;
        int s = at;
        long v = integerDigits(b);
        byte c = b[at];
        if (at - s > 18 || c == '.' || c == 'e' || c == 'E' || (c >= '0' && c <= '9')) throw NOT_PLAIN;
        return neg ? -v : v;
    }

    /** An unsigned 64-bit JSON integer (NVML's bitmasks) as its 64 bits. */
    private long plainBitmask(byte[] b) throws NotPlain {
        int s = at;
        long v = integerDigits(b);
        byte c = b[at];
        if (c == '.' || c == 'e' || c == 'E') throw NOT_PLAIN;
        if (at - s <= 18) return v;
        try { // 19 or 20 digits: rare (bits from 60 up)
            v = Long.parseUnsignedLong(new String(b, s, at - s, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            throw NOT_PLAIN;
        }
        if (v == AuditColumns.MISSING_LONG) throw NOT_PLAIN; // bit 63 alone is Tablesaw's missing value: Jackson's way reports it
        return v;
    }

    /** A JSON number's integer part: "0" or a run of digits not starting with 0 (callers bound its length). */
    private long integerDigits(byte[] b) throws NotPlain {
        int d = b[at] - '0';
        if (d < 0 || d > 9) throw NOT_PLAIN;
        if (d == 0) {
            at++;
            return 0;
        }
        long v = 0;
        int i = at;
        while ((d = b[i] - '0') >= 0 && d <= 9) {
            v = v * 10 + d;
            i++;
        }
        at = i;
        return v;
    }

    /**
     * A JSON number of at most 15 significant digits and a power of ten within 22, as the nearest double: both the
     * digits and the power are exact doubles, so one IEEE multiplication or division rounds correctly, as Jackson's
     * parser does.
     */
    private double plainDouble(byte[] b) throws NotPlain {
        boolean neg = b[at] == '-';
        if (neg) at++;
        int s = at;
        long m = integerDigits(b);
        int d;
        int digits = at - s;
        int scale = 0;
        if (b[at] == '.') {
            int f = ++at, i = f;
            while ((d = b[i] - '0') >= 0 && d <= 9) {
                m = m * 10 + d;
                i++;
            }
            at = i;
            scale = i - f;
            if (scale == 0) throw NOT_PLAIN;
            digits += scale;
        }
        if (digits > 15) throw NOT_PLAIN;
        byte c = b[at];
        if (c == 'e' || c == 'E') { // 5.61234567E7, as Java's Double.toString writes from 10^7 on
            c = b[++at];
            boolean negExp = c == '-';
            if (c == '-' || c == '+') at++;
            int e = 0, f = at;
            while ((d = b[at] - '0') >= 0 && d <= 9 && at - f < 4) {
                e = e * 10 + d;
                at++;
            }
            if (at == f || (d >= 0 && d <= 9)) throw NOT_PLAIN;
            scale -= negExp ? -e : e;
        } else if (scale == 0) {
            if (c >= '0' && c <= '9') throw NOT_PLAIN;
            return (double) (neg ? -m : m); // an integer: Jackson converts the long, so "-0" is 0.0
        }
        if (scale > 22 || scale < -22) throw NOT_PLAIN;
        double v = scale >= 0 ? m / POW10[scale] : m * POW10[-scale];
        return neg ? -v : v;
    }

    private String plainString(byte[] b, int slot) throws NotPlain {
        if (b[at] != '"') throw NOT_PLAIN;
        int s = at + 1;
        int e = plainStringEnd(b, s);
        at = e + 1;
        return rows.pools[slot].get(b, s, e - s);
    }

    /** ["a","b"] joined with commas, as {@link JacksonAuditLine#names} does. */
    private String plainNames(byte[] b, int slot) throws NotPlain {
        at++;
        space(b);
        int len = 0;
        if (b[at] != ']') {
            while (true) {
                if (b[at] != '"') throw NOT_PLAIN;
                int s = at + 1;
                int e = plainStringEnd(b, s);
                at = e + 1;
                int need = len + (len > 0 ? 1 : 0) + e - s;
                if (need > nameBytes.length) nameBytes = Arrays.copyOf(nameBytes, need * 2);
                if (len > 0) nameBytes[len++] = ',';
                System.arraycopy(b, s, nameBytes, len, e - s);
                len += e - s;
                space(b);
                byte c = b[at++];
                if (c == ']') break;
                if (c != ',') throw NOT_PLAIN;
                space(b);
            }
        } else {
            at++;
        }
        return rows.pools[slot].get(nameBytes, 0, len);
    }

    /** {"field":"message", ...} as "field: message; field: message", as {@link JacksonAuditLine#errors} does. */
    private String plainErrors(byte[] b, int slot) throws NotPlain {
        if (b[at] != '{') throw NOT_PLAIN;
        at++;
        space(b);
        int len = 0;
        if (b[at] != '}') {
            while (true) {
                for (int part = 0; part < 2; part++) {
                    if (b[at] != '"') throw NOT_PLAIN;
                    int s = at + 1;
                    int e = plainStringEnd(b, s);
                    at = e + 1;
                    int need = len + 2 + e - s;
                    if (need > nameBytes.length) nameBytes = Arrays.copyOf(nameBytes, need * 2);
                    if (part == 1) {
                        nameBytes[len++] = ':';
                        nameBytes[len++] = ' ';
                    } else if (len > 0) {
                        nameBytes[len++] = ';';
                        nameBytes[len++] = ' ';
                    }
                    System.arraycopy(b, s, nameBytes, len, e - s);
                    len += e - s;
                    space(b);
                    if (part == 0) {
                        if (b[at++] != ':') throw NOT_PLAIN;
                        space(b);
                    }
                }
                byte c = b[at++];
                if (c == '}') break;
                if (c != ',') throw NOT_PLAIN;
                space(b);
            }
        } else {
            at++;
        }
        return rows.pools[slot].get(nameBytes, 0, len);
    }

    /** [{"pid":1,"mem_mib":2}, ...]: the count and the sum of mem_mib, as {@link JacksonAuditLine#procs} does. */
    private void plainProcs(byte[] b) throws NotPlain {
        if (b[at] != '[') throw NOT_PLAIN;
        at++;
        space(b);
        int count = 0;
        long mem = 0;
        boolean anyMem = false;
        if (b[at] == ']') {
            at++;
        } else {
            while (true) {
                if (b[at] != '{') throw NOT_PLAIN;
                at++;
                count++;
                space(b);
                if (b[at] == '}') {
                    at++;
                } else {
                    while (true) {
                        if (b[at] != '"') throw NOT_PLAIN;
                        int s = at + 1;
                        int e = plainStringEnd(b, s);
                        at = e + 1;
                        space(b);
                        if (b[at] != ':') throw NOT_PLAIN;
                        at++;
                        space(b);
                        boolean isMem = e - s == MEM_MIB.length && sameBytes(b, s, MEM_MIB);
                        if (plainNull(b)) {
                            // not a number: not counted
                        } else if (b[at] == '"') {
                            at = plainStringEnd(b, at + 1) + 1;
                            if (isMem) throw NOT_PLAIN; // Jackson's way decides
                        } else {
                            long v = plainLong(b);
                            if (isMem) {
                                mem += v;
                                anyMem = true;
                            }
                        }
                        space(b);
                        byte c = b[at++];
                        if (c == '}') break;
                        if (c != ',') throw NOT_PLAIN;
                        space(b);
                    }
                }
                space(b);
                byte c = b[at++];
                if (c == ']') break;
                if (c != ',') throw NOT_PLAIN;
                space(b);
            }
        }
        rows.procs(count, mem, anyMem);
    }

    /** The timestamp in Tablesaw's packed form, as {@link JacksonAuditLine#packedInstant} reads it. */
    private long plainInstant(byte[] b) throws NotPlain {
        if (b[at] != '"') throw NOT_PLAIN;
        int o = at + 1;
        int e = plainStringEnd(b, o);
        at = e + 1;
        long v = IsoZ.packed(b, o, e - o);
        if (v == IsoZ.NONE) throw NOT_PLAIN; // another form: Units.instant on Jackson's way
        return v;
    }
}
