package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON tree values → the plain Java values {@link TableBuilder} takes; nested values stay as compact JSON text. */
final class JsonValues {
    private JsonValues() {}

    static Object scalar(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) return null;
        if (v.isIntegralNumber()) return v.canConvertToLong() ? (Object) v.longValue() : v.doubleValue();
        if (v.isNumber()) return v.doubleValue();
        if (v.isBoolean()) return v.booleanValue();
        if (v.isTextual()) return v.textValue();
        return v.toString();
    }
}
