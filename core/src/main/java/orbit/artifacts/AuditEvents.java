package orbit.artifacts;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

/** The event lines of one piece of an audit (lines with an {@code event} key), as rows of the events table. */
final class AuditEvents {
    private final TableBuilder events = AuditLoader.eventsTable();
    /** Time spent on event lines, with -Dorbit.audit.debug=true. */
    long tEvents;

    /**
     * An event line (rare: sampler start/stop, XID, a lost GPU) read again from its bytes with the streaming
     * parser into the events table. Not through databind: loading databind for the first line of every file
     * cost a fifth of a second in a fresh JVM. Nested values are kept as compact JSON text. False when it
     * does not parse (nothing kept).
     */
    boolean read(byte[] buf, int off, int len) {
        long t0 = AuditLoader.DEBUG ? System.nanoTime() : 0;
        boolean kept = true;
        events.beginRow();
        try (JsonParser p = JsonLinesScanner.FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not an object");
            String k;
            while ((k = p.nextFieldName()) != null) {
                JsonToken t = p.nextToken();
                events.set(k, k.equals("ts") ? eventInstant(p, t) : scalar(p, t));
            }
            events.endRow();
        } catch (IOException | RuntimeException e) {
            events.abandonRow();
            kept = false;
        }
        if (AuditLoader.DEBUG) tEvents += System.nanoTime() - t0;
        return kept;
    }

    /**
     * The event's time as an Instant without Tablesaw's packed instants: this runs while Tablesaw initialises on another
     * thread, and touching its column types from here as well deadlocks the two class initialisations. The common
     * form goes through {@link IsoZ} (no DateTimeFormatter, whose first use costs a cold load a tenth of a second).
     */
    private static Instant eventInstant(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            Instant fast = IsoZ.instant(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            if (fast != null) return fast;
        }
        if (t.isScalarValue()) return Units.instant(p.getText());
        p.skipChildren();
        return null;
    }

    /** The value under the parser as what {@link TableBuilder} takes; objects and arrays as compact JSON text. */
    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_NULL:
                return null;
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? (Object) p.getDoubleValue() : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_STRING:
                return p.getText();
            default: {
                StringWriter w = new StringWriter();
                try (JsonGenerator g = JsonLinesScanner.FACTORY.createGenerator(w)) {
                    g.copyCurrentStructure(p);
                }
                return w.toString();
            }
        }
    }

    /** Appends the events of the next piece after these. */
    void absorb(AuditEvents next) {
        events.append(next.events);
        tEvents += next.tEvents;
    }

    Table table() {
        return events.build("nvml-audit-events");
    }
}
