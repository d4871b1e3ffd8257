package orbit.artifacts;

import it.unimi.dsi.fastutil.bytes.Byte2IntOpenHashMap;
import it.unimi.dsi.fastutil.bytes.Byte2ObjectOpenHashMap;
import it.unimi.dsi.fastutil.objects.Object2ByteOpenHashMap;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.columns.strings.ByteDictionaryMap;
import tech.tablesaw.columns.strings.StringColumnType;

/**
 * Makes a Tablesaw string column from its row values in one pass: the rows are dictionary-encoded here, in
 * plain arrays (the loader's texts come from a {@link StringPool}, so most look-ups end at a reference
 * comparison), and Tablesaw's byte dictionary is built once from them. The result is equal, map for map and
 * key for key, to what {@code StringColumn.append} row by row makes (a test checks it); a column with more
 * distinct texts than a byte dictionary holds is left to that append.
 */
final class DictionaryStrings {
    // ByteDictionaryMap's keys: missing is Byte.MAX_VALUE, the others are handed out from Byte.MIN_VALUE + 1 up, in
    // order of first appearance, while under Byte.MAX_VALUE
    private static final byte MISSING = Byte.MAX_VALUE;
    private static final int MAX_DISTINCT = Byte.MAX_VALUE - Byte.MIN_VALUE - 1;
    private static final int SLOTS = 512;

    private DictionaryStrings() {
    }

    /** The column of rows[0..n) (null is missing), or null when it has more distinct texts than a byte dictionary holds. */
    static StringColumn column(String name, String[] rows, int n) {
        String missingText = StringColumnType.missingValueIndicator();
        String[] slotText = new String[SLOTS];
        byte[] slotKey = new byte[SLOTS];
        String[] texts = new String[MAX_DISTINCT];
        int[] counts = new int[256];
        byte[] keys = new byte[n];
        int distinct = 0;
        String last = null;
        byte lastKey = MISSING;
        for (int r = 0; r < n; r++) {
            String s = rows[r];
            byte k;
            if (s == last) {
                k = lastKey;
            } else if (s == null || missingText.equals(s)) {
                k = MISSING;
            } else {
                int h = s.hashCode();
                int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
                String t;
                while ((t = slotText[slot]) != null && t != s && !t.equals(s)) slot = (slot + 1) & (SLOTS - 1);
                if (t != null) {
                    k = slotKey[slot];
                } else {
                    if (distinct == MAX_DISTINCT) return null;
                    k = (byte) (Byte.MIN_VALUE + 1 + distinct);
                    texts[distinct++] = s;
                    slotText[slot] = s;
                    slotKey[slot] = k;
                }
            }
            keys[r] = k;
            counts[k & 0xff]++;
            last = s;
            lastKey = k;
        }
        Byte2ObjectOpenHashMap<String> keyToValue = new Byte2ObjectOpenHashMap<>();
        Object2ByteOpenHashMap<String> valueToKey = new Object2ByteOpenHashMap<>();
        valueToKey.defaultReturnValue(Byte.MIN_VALUE);
        Byte2IntOpenHashMap keyToCount = new Byte2IntOpenHashMap();
        keyToCount.defaultReturnValue(0);
        for (int i = 0; i < distinct; i++) {
            byte k = (byte) (Byte.MIN_VALUE + 1 + i);
            keyToValue.put(k, texts[i]);
            valueToKey.put(texts[i], k);
            keyToCount.put(k, counts[k & 0xff]);
        }
        if (counts[MISSING & 0xff] > 0) {
            keyToValue.put(MISSING, missingText);
            valueToKey.put(missingText, MISSING);
            keyToCount.put(MISSING, counts[MISSING & 0xff]);
        }
        ByteDictionaryMap map = new ByteDictionaryMap.ByteDictionaryBuilder()
                .setNextIndex(Byte.MIN_VALUE + distinct)
                .setKeyToValue(keyToValue)
                .setValueToKey(valueToKey)
                .setKeyToCount(keyToCount)
                .setValues(keys)
                .build();
        return StringColumn.createInternal(name, map);
    }
}
