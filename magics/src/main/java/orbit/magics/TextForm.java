package orbit.magics;

/** The plain-text form of a value shown in a terminal. */
final class TextForm {
    private TextForm() {}

    static String of(Object value) {
        if (value == null) return "";
        if (value instanceof tech.tablesaw.api.Table t) return t.printAll();
        if (value instanceof orbit.display.MimeBundle m && m.mimeBundle().containsKey("text/plain")) return m.mimeBundle().get("text/plain");
        return value.toString();
    }
}
