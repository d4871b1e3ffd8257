package orbit.artifacts;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import tech.tablesaw.columns.instant.PackedInstant;

import java.io.IOException;
import java.time.Instant;
import java.util.Set;

import static orbit.artifacts.AuditColumns.FIELDS;
import static orbit.artifacts.AuditColumns.KIND;
import static orbit.artifacts.AuditColumns.KEY_NAMES;
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
import static orbit.artifacts.AuditColumns.MISSING_LONG;

/**
 * Jackson's way: one object under a streaming parser (the block parser's over many lines, or one line's own)
 * read into row {@link AuditColumns#n}. Every line the plain reader leaves comes here, so the rules for odd
 * lines live here alone: values of the wrong type are coerced and counted, keys not in the schema are listed, a key
 * given twice (the last value kept) and a number out of its column's range (left empty) are noted for the line.
 */
final class JacksonAuditLine {
    private final AuditColumns rows;
    private final Set<String> unknownKeys;
    /** Values of the wrong type in the object read last. */
    int rowCoerced;
    /** Keys given twice in the object read last, and keys whose number was out of range (left empty); null when none. */
    String duplicates, outOfRange;
    private long seen;
    private String key;
    private final String[] unknown = new String[20];
    private int unknownCount;
    private final String[] seenNames = new String[64];
    private final int[] seenIds = new int[64];
    private final StringBuilder names = new StringBuilder();
    private char[] nameChars = new char[64];
    private final byte[] scratch = new byte[24];

    /** Writes into {@code rows}; adds keys not in the schema to {@code unknownKeys}, up to 20. */
    JacksonAuditLine(AuditColumns rows, Set<String> unknownKeys) {
        this.rows = rows;
        this.unknownKeys = unknownKeys;
    }

    /**
     * Reads one object (the parser is on its START_OBJECT) into row n, made by {@link AuditColumns#newRow}; true
     * when it is an event line (row n is then left unused).
     */
    boolean fields(JsonParser p) throws IOException {
        AuditColumns r = rows;
        int n = r.n;
        rowCoerced = 0;
        duplicates = null;
        outOfRange = null;
        seen = 0;
        unknownCount = 0;
        boolean event = false;
        String field;
        int k = 0;
        while ((field = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            // a writer puts the keys in the same order on every line, and Jackson hands out one canonical String
            // per name: comparing references with the previous line's keys saves a map lookup per value
            int id;
            if (k < seenNames.length && seenNames[k] == field) {
                id = seenIds[k];
            } else {
                Integer known = FIELDS.get(field);
                id = known == null ? 0 : known;
                if (k < seenNames.length) {
                    seenNames[k] = field;
                    seenIds[k] = id;
                }
            }
            k++;
            if (id == 0) {
                // event lines carry their own keys: only a sample line's unknown keys are reported
                if (unknownCount < unknown.length) unknown[unknownCount++] = field;
                p.skipChildren();
                continue;
            }
            long bit = 1L << (id >>> 16);
            key = KEY_NAMES[id >>> 16];
            if ((seen & bit) != 0) duplicates = duplicates == null ? key : duplicates + ", " + key;
            seen |= bit;
            int slot = id & 0xff;
            switch (id & KIND) {
                case K_INT -> r.ints[slot][n] = intValue(p, t);
                case K_DOUBLE -> r.doubles[slot][n] = doubleValue(p, t);
                case K_STRING -> r.strings[slot][n] = stringValue(p, t, slot);
                case K_TS -> r.ts[n] = t == JsonToken.VALUE_STRING ? packedInstant(p) : skip(p);
                case K_THROTTLE -> r.throttle[n] = longValue(p, t);
                case K_PROCS -> procs(p, t);
                case K_NAMES -> r.strings[slot][n] = names(p, t, slot);
                case K_ERRORS -> r.strings[slot][n] = errors(p, t, slot);
                case K_EVENT -> {
                    event = true;
                    p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        if (!event) for (int i = 0; i < unknownCount && unknownKeys.size() < 20; i++) unknownKeys.add(unknown[i]);
        return event;
    }

    private static long skip(JsonParser p) throws IOException {
        p.skipChildren();
        return MISSING_LONG;
    }

    private int intValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT: {
                JsonParser.NumberType nt = p.getNumberType();
                if (nt == JsonParser.NumberType.INT && p.getIntValue() != MISSING_INT) return p.getIntValue();
                if (nt == JsonParser.NumberType.LONG) {
                    long l = p.getLongValue();
                    if (l <= Integer.MAX_VALUE && l > Integer.MIN_VALUE) return (int) l;
                }
                return outOfRange(MISSING_INT);
            }
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                return d < Integer.MAX_VALUE + 0.5 && d > Integer.MIN_VALUE + 0.5 ? (int) Math.round(d) : outOfRange(MISSING_INT);
            }
            case VALUE_NULL:
                return MISSING_INT;
            case VALUE_STRING: {
                Double d = Units.number(p.getText());
                rowCoerced++;
                return d == null ? MISSING_INT : (int) Math.round(d);
            }
            default:
                p.skipChildren();
                rowCoerced++;
                return MISSING_INT;
        }
    }

    private long longValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT: {
                if (p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) return p.getLongValue();
                // an unsigned 64-bit bitmask with bit 63 set: its 64 bits
                // (bit 63 alone is Long.MIN_VALUE, which a Tablesaw long column reads as missing)
                java.math.BigInteger big = p.getBigIntegerValue();
                return big.signum() >= 0 && big.bitLength() <= 64 && big.longValue() != MISSING_LONG ? big.longValue() : outOfRange(MISSING_LONG);
            }
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                return Double.isFinite(d) && Math.abs(d) < 0x1p63 ? Math.round(d) : outOfRange(MISSING_LONG);
            }
            case VALUE_NULL:
                return MISSING_LONG;
            case VALUE_STRING: {
                Double d = Units.number(p.getText());
                rowCoerced++;
                return d == null ? MISSING_LONG : Math.round(d);
            }
            default:
                p.skipChildren();
                rowCoerced++;
                return MISSING_LONG;
        }
    }

    private double doubleValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                return Double.isFinite(d) ? d : outOfRange(Double.NaN);
            }
            case VALUE_NULL:
                return Double.NaN;
            case VALUE_STRING: {
                Double d = Units.number(p.getText());
                rowCoerced++;
                return d == null ? Double.NaN : d;
            }
            default:
                p.skipChildren();
                rowCoerced++;
                return Double.NaN;
        }
    }

    /** Notes the current key's number as out of range; returns {@code missing}, what its column keeps instead. */
    private int outOfRange(int missing) {
        noteOutOfRange();
        return missing;
    }

    private long outOfRange(long missing) {
        noteOutOfRange();
        return missing;
    }

    private double outOfRange(double missing) {
        noteOutOfRange();
        return missing;
    }

    private void noteOutOfRange() {
        outOfRange = outOfRange == null ? key : outOfRange + ", " + key;
    }

    /** {"field":"message", ...} as "field: message; field: message", in the line's order. */
    private String errors(JsonParser p, JsonToken t, int slot) throws IOException {
        if (t != JsonToken.START_OBJECT) return stringValue(p, t, slot);
        names.setLength(0);
        String f;
        while ((f = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            if (names.length() > 0) names.append("; ");
            names.append(f).append(": ");
            if (v.isStructStart()) {
                p.skipChildren();
                rowCoerced++;
            } else if (v != JsonToken.VALUE_NULL) {
                names.append(p.getText());
            }
        }
        int len = names.length();
        if (nameChars.length < len) nameChars = new char[len * 2];
        names.getChars(0, len, nameChars, 0);
        return rows.pools[slot].get(nameChars, 0, len);
    }

    private String stringValue(JsonParser p, JsonToken t, int slot) throws IOException {
        if (t == JsonToken.VALUE_STRING) return rows.pools[slot].get(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        if (t == JsonToken.VALUE_NULL) return null;
        if (t.isScalarValue()) return p.getText();
        p.skipChildren();
        rowCoerced++;
        return null;
    }

    private String names(JsonParser p, JsonToken t, int slot) throws IOException {
        if (t != JsonToken.START_ARRAY) return stringValue(p, t, slot);
        names.setLength(0);
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e == null) throw new IOException("unterminated array");
            if (e.isStructStart()) {
                p.skipChildren();
                continue;
            }
            if (names.length() > 0) names.append(',');
            names.append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        }
        int len = names.length();
        if (nameChars.length < len) nameChars = new char[len * 2];
        names.getChars(0, len, nameChars, 0);
        return rows.pools[slot].get(nameChars, 0, len);
    }

    private void procs(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        int count = 0;
        long mem = 0;
        boolean anyMem = false;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e == null) throw new IOException("unterminated array");
            if (e != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            count++;
            String f;
            while ((f = p.nextFieldName()) != null) {
                JsonToken v = p.nextToken();
                if ("mem_mib".equals(f) && v.isNumeric()) {
                    mem += p.getLongValue();
                    anyMem = true;
                } else {
                    p.skipChildren();
                }
            }
        }
        rows.procs(count, mem, anyMem);
    }

    /** The timestamp in Tablesaw's packed form: the common form through {@link IsoZ}, anything else through {@link Units#instant}. */
    private long packedInstant(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int o = p.getTextOffset();
        int len = p.getTextLength();
        long v = IsoZ.packed(c, o, len, scratch);
        if (v != IsoZ.NONE) return v;
        Instant i = Units.instant(new String(c, o, len));
        if (i == null) {
            rowCoerced++;
            return MISSING_LONG;
        }
        return PackedInstant.pack(i);
    }
}
