package orbit.magics;

/** The plain-text form of a value shown in a terminal. */
final class TextForm {
    private TextForm() {}

    static String of(Object value) {
        if (value == null) return "";
        if (value instanceof tech.tablesaw.api.Table t) return t.printAll();
        return value.toString();
    }
}
