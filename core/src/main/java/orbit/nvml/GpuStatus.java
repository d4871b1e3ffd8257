package orbit.nvml;

import orbit.display.MimeBundle;
import orbit.display.TableHtml;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The live GPU table of {@code orbit nvml} / {@code %nvml}: one row per GPU, a header saying where the
 * numbers come from. Simulated snapshots say SIMULATED in the header and in the table's name, so a
 * screenshot of a demo cannot pass for a measurement.
 */
public record GpuStatus(GpuSnapshot snapshot, String header) implements MimeBundle {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    public static GpuStatus of(GpuSampler sampler, GpuSnapshot snapshot) {
        Map<String, Object> d = sampler.describe();
        StringBuilder h = new StringBuilder();
        if ("simulated".equals(snapshot.source())) {
            h.append("SIMULATED GPUs (source: simulated) - not measured on any GPU");
            Object why = d.get("simulated_because");
            if (why != null) h.append("; ").append(why);
        } else {
            h.append(snapshot.gpus().size()).append(" GPU(s) via ").append(snapshot.source());
            if (d.get("driver_version") != null) h.append(", driver ").append(d.get("driver_version"));
            if (d.get("cuda_driver_version") != null) h.append(", CUDA ").append(d.get("cuda_driver_version"));
        }
        h.append(" at ").append(TIME.format(snapshot.ts())).append(" UTC");
        return new GpuStatus(snapshot, h.toString());
    }

    public boolean simulated() {
        return "simulated".equals(snapshot.source());
    }

    /** One row per GPU; unsupported fields are missing values. */
    public Table table() {
        IntColumn gpu = IntColumn.create("gpu");
        StringColumn name = StringColumn.create("name");
        IntColumn util = IntColumn.create("util_%");
        IntColumn memUsed = IntColumn.create("mem_used_mib");
        IntColumn memTotal = IntColumn.create("mem_total_mib");
        IntColumn temp = IntColumn.create("temp_c");
        DoubleColumn power = DoubleColumn.create("power_w");
        DoubleColumn limit = DoubleColumn.create("limit_w");
        IntColumn sm = IntColumn.create("sm_mhz");
        StringColumn pstate = StringColumn.create("pstate");
        StringColumn reasons = StringColumn.create("clock_reasons");
        StringColumn ecc = StringColumn.create("ecc_unc");
        StringColumn procs = StringColumn.create("procs");
        for (GpuSample s : snapshot.gpus()) {
            gpu.append(s.gpu());
            name.append(s.name() == null ? "" : s.name());
            appendInt(util, s.utilGpu());
            appendInt(memUsed, s.memUsedMib() == null ? null : s.memUsedMib().intValue());
            appendInt(memTotal, s.memTotalMib() == null ? null : s.memTotalMib().intValue());
            appendInt(temp, s.tempC());
            appendDouble(power, s.powerW());
            appendDouble(limit, s.powerLimitW());
            appendInt(sm, s.smClockMhz());
            pstate.append(s.pstate() == null ? "" : s.pstate());
            reasons.append(s.throttleReasonNames() == null ? "n/a" : s.throttleReasonNames().isEmpty() ? "-" : String.join(",", s.throttleReasonNames()));
            ecc.append(s.eccUncorrected() == null ? "n/a" : String.valueOf(s.eccUncorrected()));
            procs.append(s.procs() == null ? "n/a" : s.procs().stream()
                    .map(p -> p.pid() + (p.memMib() == null ? "" : ":" + p.memMib() + "MiB")).collect(Collectors.joining(" ")));
        }
        String title = simulated() ? "GPUs - SIMULATED (source: simulated)" : "GPUs (source: " + snapshot.source() + ")";
        return Table.create(title, gpu, name, util, memUsed, memTotal, temp, power, limit, sm, pstate, reasons, ecc, procs);
    }

    private static void appendInt(IntColumn c, Integer v) {
        if (v == null) c.appendMissing();
        else c.append(v);
    }

    private static void appendDouble(DoubleColumn c, Double v) {
        if (v == null) c.appendMissing();
        else c.append(v);
    }

    @Override
    public Map<String, String> mimeBundle() {
        Table t = table();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", header + "\n" + t.printAll());
        String style = simulated() ? " style=\"color:#b00;font-weight:bold\"" : "";
        m.put("text/html", "<p" + style + ">" + TableHtml.escape(header) + "</p>" + TableHtml.render(t, 64));
        return m;
    }

    @Override
    public String toString() {
        return mimeBundle().get("text/plain");
    }
}
