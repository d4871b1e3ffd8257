package orbit.artifacts;

import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.InstantColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a table row by row from keyed values whose columns are not known up front (metrics with custom
 * keys, events, CSV with any column subset). Column types are declared or inferred: integers widen to
 * doubles, anything mixed with text becomes text. Meant for files of thousands of rows; the GPU audit,
 * which is large, has its own primitive-array loader.
 */
final class TableBuilder {
    enum Kind { INT, LONG, DOUBLE, STRING, BOOLEAN, INSTANT, INFER }

    private static final class Col {
        final String name;
        Kind declared;
        final List<Object> values = new ArrayList<>();

        Col(String name, Kind declared) {
            this.name = name;
            this.declared = declared;
        }
    }

    private final Map<String, Col> cols = new LinkedHashMap<>();
    private int rows;
    private boolean inRow;

    /** Declares a column with a fixed type (it exists, in this order, even when no row sets it). */
    TableBuilder declare(String name, Kind kind) {
        cols.computeIfAbsent(name, n -> new Col(n, kind)).declared = kind;
        return this;
    }

    void beginRow() {
        inRow = true;
    }

    /** Sets a value of the current row: Number, String, Boolean, Instant or null. */
    void set(String name, Object value) {
        Col c = cols.computeIfAbsent(name, n -> new Col(n, Kind.INFER));
        while (c.values.size() < rows) c.values.add(null);
        if (c.values.size() == rows) c.values.add(value);
        else c.values.set(rows, value);
    }

    void endRow() {
        if (inRow) rows++;
        inRow = false;
    }

    /** Drops the row being built (a line that turned out to be corrupt). */
    void abandonRow() {
        for (Col c : cols.values()) {
            while (c.values.size() > rows) c.values.remove(c.values.size() - 1);
        }
        inRow = false;
    }

    int rows() {
        return rows;
    }

    boolean has(String name) {
        return cols.containsKey(name);
    }

    /**
     * Adds the rows of {@code next} after this one's, as if they had been set here one by one: a column only
     * {@code next} has comes after this one's columns, empty in the rows before. Declared kinds of columns new
     * here are kept.
     */
    void append(TableBuilder next) {
        for (Col c : next.cols.values()) {
            Col mine = cols.computeIfAbsent(c.name, n -> new Col(n, c.declared));
            while (mine.values.size() < rows) mine.values.add(null);
            while (c.values.size() < next.rows) c.values.add(null);
            mine.values.addAll(c.values);
        }
        rows += next.rows;
    }

    Table build(String tableName) {
        Table t = Table.create(tableName);
        for (Col c : cols.values()) {
            while (c.values.size() < rows) c.values.add(null);
            t.addColumns(column(c));
        }
        return t;
    }

    private Column<?> column(Col c) {
        Kind k = c.declared == Kind.INFER ? infer(c.values) : c.declared;
        int n = rows;
        switch (k) {
            case INT -> {
                IntColumn col = IntColumn.create(c.name, n);
                for (int i = 0; i < n; i++) {
                    Long v = asLong(c.values.get(i));
                    if (v == null || v > Integer.MAX_VALUE || v <= Integer.MIN_VALUE) col.setMissing(i);
                    else col.set(i, v.intValue());
                }
                return col;
            }
            case LONG -> {
                LongColumn col = LongColumn.create(c.name, n);
                for (int i = 0; i < n; i++) {
                    Long v = asLong(c.values.get(i));
                    if (v == null) col.setMissing(i);
                    else col.set(i, v);
                }
                return col;
            }
            case DOUBLE -> {
                DoubleColumn col = DoubleColumn.create(c.name, n);
                for (int i = 0; i < n; i++) {
                    Object o = c.values.get(i);
                    Double v = o instanceof Number num ? num.doubleValue() : o instanceof String s ? Units.number(s) : null;
                    if (v == null) col.setMissing(i);
                    else col.set(i, v);
                }
                return col;
            }
            case BOOLEAN -> {
                BooleanColumn col = BooleanColumn.create(c.name, n);
                for (int i = 0; i < n; i++) {
                    if (c.values.get(i) instanceof Boolean b) col.set(i, b);
                    else col.setMissing(i);
                }
                return col;
            }
            case INSTANT -> {
                InstantColumn col = InstantColumn.create(c.name, n);
                for (int i = 0; i < n; i++) {
                    if (c.values.get(i) instanceof Instant x) col.set(i, x);
                    else col.setMissing(i);
                }
                return col;
            }
            default -> {
                StringColumn col = StringColumn.create(c.name, n);
                for (int i = 0; i < n; i++) {
                    Object o = c.values.get(i);
                    if (o == null) col.setMissing(i);
                    else col.set(i, o instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d.longValue()) : o.toString());
                }
                return col;
            }
        }
    }

    private static Kind infer(List<Object> values) {
        Kind k = null;
        for (Object o : values) {
            if (o == null) continue;
            Kind v;
            if (o instanceof Integer || o instanceof Long || o instanceof Short) v = Kind.LONG;
            else if (o instanceof Number) v = Kind.DOUBLE;
            else if (o instanceof Boolean) v = Kind.BOOLEAN;
            else if (o instanceof Instant) v = Kind.INSTANT;
            else v = Kind.STRING;
            if (k == null) k = v;
            else if (k != v) {
                if ((k == Kind.LONG && v == Kind.DOUBLE) || (k == Kind.DOUBLE && v == Kind.LONG)) k = Kind.DOUBLE;
                else k = Kind.STRING;
            }
        }
        if (k == null) return Kind.STRING;
        if (k == Kind.LONG) {
            for (Object o : values) {
                if (o instanceof Number num && (num.longValue() > Integer.MAX_VALUE || num.longValue() <= Integer.MIN_VALUE)) return Kind.LONG;
            }
            return Kind.INT;
        }
        return k;
    }

    private static Long asLong(Object o) {
        if (o instanceof Number n) {
            double d = n.doubleValue();
            if (n instanceof Double || n instanceof Float) return Double.isFinite(d) ? Math.round(d) : null;
            return n.longValue();
        }
        if (o instanceof String s) {
            Double d = Units.number(s);
            return d == null ? null : Math.round(d);
        }
        return null;
    }

    static ColumnType typeOf(Kind k) {
        return switch (k) {
            case INT -> ColumnType.INTEGER;
            case LONG -> ColumnType.LONG;
            case DOUBLE -> ColumnType.DOUBLE;
            case BOOLEAN -> ColumnType.BOOLEAN;
            case INSTANT -> ColumnType.INSTANT;
            default -> ColumnType.STRING;
        };
    }
}
