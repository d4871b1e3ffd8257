package orbit.magics;

import orbit.display.MimeBundle;
import orbit.display.RecordView;
import orbit.display.TableView;
import tech.tablesaw.api.Table;

/** The plain-text form of a value shown in a terminal: the same views as a notebook's text (`--csv` gives every row). */
final class TextForm {
    private TextForm() {}

    static String of(Object value) {
        if (value == null) return "";
        if (value instanceof Table t) return TableView.text(t);
        if (value instanceof MimeBundle m && m.mimeBundle().containsKey("text/plain")) return m.mimeBundle().get("text/plain");
        if (value instanceof Record r) return RecordView.text(r);
        return value.toString();
    }
}
