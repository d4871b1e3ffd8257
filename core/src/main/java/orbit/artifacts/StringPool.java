package orbit.artifacts;

/**
 * Reuses one String per distinct text (host names, GPU names, pstates repeat on every line), so a
 * loader allocates a string only the first time it sees a value. Stops caching past a size limit.
 */
final class StringPool {
    private static final int SLOTS = 4096;
    private final String[] table = new String[SLOTS];
    private int size;

    String get(char[] chars, int off, int len) {
        int h = 0;
        for (int i = 0; i < len; i++) h = 31 * h + chars[off + i];
        int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
        for (int probe = 0; probe < 8; probe++) {
            String s = table[slot];
            if (s == null) {
                String created = new String(chars, off, len);
                if (size < SLOTS / 2) {
                    table[slot] = created;
                    size++;
                }
                return created;
            }
            if (s.length() == len && same(s, chars, off, len)) return s;
            slot = (slot + 1) & (SLOTS - 1);
        }
        return new String(chars, off, len);
    }

    private static boolean same(String s, char[] chars, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (s.charAt(i) != chars[off + i]) return false;
        }
        return true;
    }
}
