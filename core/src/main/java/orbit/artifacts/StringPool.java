package orbit.artifacts;

/**
 * Reuses one String per distinct text (host names, GPU names, pstates repeat on every line), so a
 * loader allocates a string only the first time it sees a value. Stops caching past a size limit.
 */
final class StringPool {
    private static final int SLOTS = 4096;
    private final String[] table = new String[SLOTS];
    // each pooled text's bytes (null for text beyond ASCII that came as chars): the byte way compares these in a
    // byte loop, where String.charAt in the launcher's C1-compiled code was a third of a large audit's parse
    private final byte[][] asBytes = new byte[SLOTS][];
    private int size;

    String get(char[] chars, int off, int len) {
        // a sampled hash (length, both ends, middle): the full comparison below settles it, and a loader calls this
        // for every text value of a large file
        int h = len;
        if (len > 0) h = ((h * 31 + chars[off]) * 31 + chars[off + len - 1]) * 31 + chars[off + (len >> 1)];
        if (len > 3) h = (h * 31 + chars[off + 1]) * 31 + chars[off + len - 2];
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        for (int probe = 0; probe < 8; probe++) {
            String s = table[slot];
            if (s == null) {
                String created = new String(chars, off, len);
                if (size < SLOTS / 2) {
                    table[slot] = created;
                    asBytes[slot] = ascii(chars, off, len);
                    size++;
                }
                return created;
            }
            if (s.length() == len && same(s, chars, off, len)) return s;
            slot = (slot + 1) & (SLOTS - 1);
        }
        return new String(chars, off, len);
    }

    /** As {@link #get(char[], int, int)} for ASCII text given as bytes (each byte is its char); same hash, same pool. */
    String get(byte[] bytes, int off, int len) {
        int h = len;
        if (len > 0) h = ((h * 31 + bytes[off]) * 31 + bytes[off + len - 1]) * 31 + bytes[off + (len >> 1)];
        if (len > 3) h = (h * 31 + bytes[off + 1]) * 31 + bytes[off + len - 2];
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        for (int probe = 0; probe < 8; probe++) {
            String s = table[slot];
            if (s == null) {
                String created = new String(bytes, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
                if (size < SLOTS / 2) {
                    table[slot] = created;
                    asBytes[slot] = java.util.Arrays.copyOfRange(bytes, off, off + len);
                    size++;
                }
                return created;
            }
            byte[] known = asBytes[slot];
            if (known != null ? known.length == len && same(known, bytes, off, len) : s.length() == len && same(s, bytes, off, len)) return s;
            slot = (slot + 1) & (SLOTS - 1);
        }
        return new String(bytes, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The text as its bytes when it is all ASCII (as the byte way compares it), else null. */
    private static byte[] ascii(char[] chars, int off, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            char c = chars[off + i];
            if (c > 0x7f) return null;
            b[i] = (byte) c;
        }
        return b;
    }

    private static boolean same(byte[] known, byte[] bytes, int off, int len) {
        for (int i = len - 1; i >= 0; i--) {
            if (known[i] != bytes[off + i]) return false;
        }
        return true;
    }

    private static boolean same(String s, byte[] bytes, int off, int len) {
        for (int i = len - 1; i >= 0; i--) {
            if (s.charAt(i) != bytes[off + i]) return false;
        }
        return true;
    }

    /** From the end: texts that look alike (GPU uuids, numbered hosts) tend to differ there. */
    private static boolean same(String s, char[] chars, int off, int len) {
        for (int i = len - 1; i >= 0; i--) {
            if (s.charAt(i) != chars[off + i]) return false;
        }
        return true;
    }
}
