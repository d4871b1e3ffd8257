package orbit.artifacts;

import orbit.OrbitException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the `nvidia-smi --query-gpu=... --format=csv` logs people already have, into the GPU audit's
 * column names: any column order or subset, units in the header ("memory.used [MiB]") and in the values
 * ("17304 MiB", "97 %"), "[N/A]" / "[Not Supported]" as empty, a header repeated before every sample
 * (nvidia-smi called once per sample), even a header that changes half-way. Timestamps such as
 * "2026/01/03 15:36:53.507" carry no zone and are read as UTC.
 */
public final class NvidiaSmiCsvLoader {
    /** nvidia-smi query names → audit column names. Unlisted columns are kept under their own name. */
    static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("timestamp", "ts"), Map.entry("index", "gpu"), Map.entry("uuid", "uuid"), Map.entry("name", "name"),
            Map.entry("utilization.gpu", "util_gpu"), Map.entry("utilization.memory", "util_mem"),
            Map.entry("memory.used", "mem_used_mib"), Map.entry("memory.total", "mem_total_mib"),
            Map.entry("temperature.gpu", "temp_c"), Map.entry("power.draw", "power_w"),
            Map.entry("power.draw.instant", "power_w"), Map.entry("power.limit", "power_limit_w"),
            Map.entry("enforced.power.limit", "power_limit_w"), Map.entry("clocks.sm", "sm_clock_mhz"),
            Map.entry("clocks.current.sm", "sm_clock_mhz"), Map.entry("clocks.mem", "mem_clock_mhz"),
            Map.entry("clocks.current.memory", "mem_clock_mhz"),
            Map.entry("clocks_throttle_reasons.active", "throttle_reasons"),
            Map.entry("clocks_event_reasons.active", "throttle_reasons"),
            Map.entry("ecc.errors.corrected.volatile.total", "ecc_corrected"),
            Map.entry("ecc.errors.uncorrected.volatile.total", "ecc_uncorrected"),
            Map.entry("pstate", "pstate"), Map.entry("hostname", "host"), Map.entry("pci.bus_id", "pci_bus_id"),
            Map.entry("memory.free", "mem_free_mib"), Map.entry("clocks.gr", "graphics_clock_mhz"),
            Map.entry("clocks.current.graphics", "graphics_clock_mhz"));

    private static final Pattern HEADER_CELL = Pattern.compile("[a-z][a-z0-9_.]*( \\[[^\\]]*\\])?");

    private NvidiaSmiCsvLoader() {}

    public static Audit load(Path file) {
        LoadReport.Builder report = LoadReport.builder(file);
        TableBuilder rows = auditColumns();
        List<String[]> header = new ArrayList<>(1); // [0] = mapped names, [1] = header units
        try (InputStream in = Files.newInputStream(file)) {
            new LineSplitter((buf, off, len, lineNo, byteOffset, last) -> {
                report.lines = lineNo;
                if (LineSplitter.blank(buf, off, len)) return;
                String line = new String(buf, off, len, StandardCharsets.UTF_8);
                String[] cells = line.split(",", -1);
                for (int i = 0; i < cells.length; i++) cells[i] = cells[i].strip();
                if (isHeader(cells)) {
                    header.clear();
                    header.add(mapped(cells));
                    header.add(units(cells));
                    Set<String> seen = new HashSet<>();
                    for (String c : header.get(0)) if (!seen.add(c)) report.note("duplicate column " + c + " in the header (the last value kept)", lineNo);
                    return;
                }
                if (last) {
                    // nvidia-smi ends every row with a newline: a last row without one was cut mid-write, even when
                    // its cells still add up (a cut at a comma leaves the last field empty)
                    report.truncated = new LoadReport.Truncation(lineNo, byteOffset, len);
                    return;
                }
                if (header.isEmpty() || cells.length != header.get(0).length) {
                    report.corrupt(lineNo);
                    return;
                }
                row(rows, header.get(0), header.get(1), cells, report, lineNo);
            }).run(in);
        } catch (NoSuchFileException e) {
            throw new OrbitException("no nvidia-smi log at " + file + ": check the path");
        } catch (IOException e) {
            report.warn("read stopped early: " + e.getMessage());
        }
        report.rows = rows.rows();
        if (rows.rows() > 0) report.warn("nvidia-smi timestamps carry no zone: read as UTC");
        return new Audit(rows.build("nvml-audit"), AuditLoader.eventsTable().build("nvml-audit-events"), report.build());
    }

    static TableBuilder auditColumns() {
        TableBuilder b = new TableBuilder();
        for (String c : AuditLoader.ORDER) {
            TableBuilder.Kind k;
            if (c.equals("ts")) k = TableBuilder.Kind.INSTANT;
            else if (c.equals("throttle_reasons")) k = TableBuilder.Kind.LONG;
            else if (List.of(AuditLoader.INT_COLUMNS).contains(c)) k = TableBuilder.Kind.INT;
            else if (List.of(AuditLoader.DOUBLE_COLUMNS).contains(c)) k = TableBuilder.Kind.DOUBLE;
            else k = TableBuilder.Kind.STRING;
            b.declare(c, k);
        }
        return b;
    }

    static boolean isHeader(String[] cells) {
        boolean known = false;
        for (String c : cells) {
            if (!HEADER_CELL.matcher(c).matches()) return false;
            if (NAMES.containsKey(baseName(c))) known = true;
        }
        return known;
    }

    private static String baseName(String cell) {
        int b = cell.indexOf(" [");
        return (b < 0 ? cell : cell.substring(0, b)).toLowerCase(Locale.ROOT);
    }

    private static String[] mapped(String[] cells) {
        String[] out = new String[cells.length];
        for (int i = 0; i < cells.length; i++) out[i] = NAMES.getOrDefault(baseName(cells[i]), baseName(cells[i]));
        return out;
    }

    private static String[] units(String[] cells) {
        String[] out = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            int b = cells[i].indexOf(" [");
            out[i] = b < 0 ? "" : cells[i].substring(b + 2, cells[i].length() - 1);
        }
        return out;
    }

    private static void row(TableBuilder rows, String[] names, String[] units, String[] cells, LoadReport.Builder report, long lineNo) {
        rows.beginRow();
        for (int i = 0; i < cells.length; i++) {
            String name = names[i];
            String v = cells[i];
            if (Units.isNull(v)) continue;
            switch (name) {
                case "ts" -> {
                    Instant t = Units.instant(v);
                    if (t == null) report.warn("unreadable timestamps left empty (e.g. \"" + v + "\")");
                    rows.set(name, t);
                }
                case "uuid", "name", "pstate", "host", "pci_bus_id" -> rows.set(name, v);
                case "mem_used_mib", "mem_total_mib", "mem_free_mib" -> {
                    Double d = inRange(name, Units.number(v), report, lineNo);
                    String unit = Units.unitOf(v).isEmpty() ? units[i] : Units.unitOf(v);
                    if (d != null && unit.equalsIgnoreCase("GiB")) d *= 1024;
                    if (d != null && unit.equalsIgnoreCase("MB")) d = d * 1e6 / (1 << 20);
                    rows.set(name, d);
                }
                default -> {
                    Double raw = Units.number(v);
                    Double d = inRange(name, raw, report, lineNo);
                    boolean known = NAMES.containsValue(name);
                    if (raw == null && known) report.warn("non-numeric " + name + " values left empty (e.g. \"" + v + "\")");
                    rows.set(name, d != null ? d : known || raw != null ? null : v);
                }
            }
        }
        rows.set("source", "nvidia-smi");
        rows.endRow();
    }

    /** {@code d}, or null with a note when it is not finite ("1e999999") or does not fit an int column. */
    private static Double inRange(String name, Double d, LoadReport.Builder report, long lineNo) {
        if (d == null) return null;
        boolean intColumn = List.of(AuditLoader.INT_COLUMNS).contains(name);
        if (Double.isFinite(d) && (!intColumn || Math.abs(d) <= Integer.MAX_VALUE)) return d;
        report.note("number out of range for " + name + " (left empty)", lineNo);
        return null;
    }
}
