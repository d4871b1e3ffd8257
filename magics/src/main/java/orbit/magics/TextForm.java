package orbit.magics;

import orbit.display.MimeBundle;
import orbit.display.RecordView;
import orbit.display.TableView;
import tech.tablesaw.api.Table;

/** The plain-text form of a value shown in a terminal: the notebook's views in text, every row of a table. */
final class TextForm {
    private TextForm() {}

    static String of(Object value) {
        if (value == null) return "";
        if (value instanceof Table t) return TableView.ALL.textOf(t);
        if (value instanceof MimeBundle m && m.mimeBundle().containsKey("text/plain")) return m.mimeBundle().get("text/plain");
        if (value instanceof Record r) return RecordView.text(r);
        return value.toString();
    }
}
