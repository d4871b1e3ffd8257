package orbit.artifacts;

import orbit.artifacts.Postmortem.Evidence;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.InstantColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.selection.BitmapBackedSelection;
import tech.tablesaw.selection.Selection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the GPU audit says about a run's end: each GPU's memory from its first sample to its peak, XID and
 * lost-GPU events, uncorrected ECC errors that appeared during the run, thermal or hardware slowdowns, and
 * the host's memory (host_mem_available_mib / host_mem_total_mib) where the audit records it. A GPU at its
 * power cap is running as designed: it is counted, never a cause.
 */
final class GpuFindings {
    static final double OOM_FRACTION = 0.98;
    static final double HOST_LOW_FRACTION = 0.10;
    static final Duration LAST_WINDOW = Duration.ofSeconds(60);
    /** Events this long after the recorded end still belong to the run (the sampler stops a little after training). */
    static final Duration EVENT_SLACK = Duration.ofSeconds(60);
    // NVML clocks-event (throttle) reason bits
    static final long SW_POWER_CAP = 0x4, HW_SLOWDOWN = 0x8, SW_THERMAL = 0x20, HW_THERMAL = 0x40, HW_POWER_BRAKE = 0x80;

    /** One GPU's memory over the run. */
    private static final class Gpu {
        int first = Integer.MIN_VALUE, peak = Integer.MIN_VALUE, last = Integer.MIN_VALUE, total = Integer.MIN_VALUE;
        int samples, thermal, power, maxTemp = Integer.MIN_VALUE, eccBase = Integer.MIN_VALUE;
        Instant firstAt, peakAt, lastAt, thermalFirst, thermalLast, eccAt;
        int eccNew;
        boolean simulated;
    }

    record HostMemory(String host, double available, double total, Instant at, boolean simulated, String file) {
        String describe() {
            return String.format(Locale.ROOT, "%,.0f of %,.0f MiB (%.1f %%) at %s%s", available, total, 100 * available / total, at,
                    host == null ? "" : " on " + host);
        }

        Evidence evidence() {
            return Evidence.at(file, at, String.format(Locale.ROOT, "%shost_mem_available_mib=%.0f host_mem_total_mib=%.0f",
                    host == null ? "" : "host=" + host + " ", available, total));
        }
    }

    private final String file;
    private final Table samples;
    private final Table events;
    private final Instant started, end;
    private final TreeMap<Integer, Gpu> gpus = new TreeMap<>();
    private boolean simulated;

    GpuFindings(String file, Table samples, Table allEvents, Instant started, Instant end) {
        this.file = file == null ? "artifacts/" + Artifacts.AUDIT_FILE : file;
        this.samples = samples;
        this.events = allEvents == null ? AuditLoader.eventsTable().build("GPU events") : faults(allEvents);
        this.started = started;
        this.end = end;
        if (samples != null) read();
    }

    boolean present() {
        return samples != null;
    }

    boolean simulated() {
        return simulated;
    }

    private void read() {
        IntColumn gpu = samples.intColumn("gpu");
        InstantColumn ts = samples.instantColumn("ts");
        NumericColumn<?> used = num("mem_used_mib"), total = num("mem_total_mib"), temp = num("temp_c"), ecc = num("ecc_uncorrected"),
                reasons = num("throttle_reasons");
        StringColumn names = str("throttle_reason_names"), source = str("source");
        for (int i = 0; i < samples.rowCount(); i++) {
            if (gpu.isMissing(i) || ts.isMissing(i)) continue;
            Instant t = ts.get(i);
            if (end != null && t.isAfter(end.plus(EVENT_SLACK))) continue;
            Gpu g = gpus.computeIfAbsent(gpu.get(i), k -> new Gpu());
            g.samples++;
            if (source != null && !source.isMissing(i) && source.get(i).equals("simulated")) {
                g.simulated = true;
                simulated = true;
            }
            if (has(used, i)) {
                int u = (int) used.getDouble(i);
                if (g.first == Integer.MIN_VALUE) {
                    g.first = u;
                    g.firstAt = t;
                }
                if (u > g.peak) {
                    g.peak = u;
                    g.peakAt = t;
                }
                g.last = u;
                g.lastAt = t;
            }
            if (has(total, i)) g.total = (int) total.getDouble(i);
            long r = has(reasons, i) ? (long) reasons.getDouble(i) : 0;
            String n = names == null || names.isMissing(i) ? "" : names.get(i).toLowerCase(Locale.ROOT);
            if (thermal(r, n)) {
                g.thermal++;
                if (g.thermalFirst == null) g.thermalFirst = t;
                g.thermalLast = t;
                if (has(temp, i)) g.maxTemp = Math.max(g.maxTemp, (int) temp.getDouble(i));
            }
            if ((r & (SW_POWER_CAP | HW_POWER_BRAKE)) != 0 || n.contains("power")) g.power++;
            if (has(ecc, i)) {
                int e = (int) ecc.getDouble(i);
                if (g.eccBase == Integer.MIN_VALUE) g.eccBase = e;
                else if (e > g.eccBase && e - g.eccBase > g.eccNew) {
                    if (g.eccAt == null) g.eccAt = t;
                    g.eccNew = e - g.eccBase;
                }
            }
        }
    }

    /** Thermal or hardware slowdown only: SW/HW thermal (0x20, 0x40), HW slowdown (0x8), or such a name. Never the power cap or brake. */
    static boolean thermal(long bits, String names) {
        if ((bits & (SW_THERMAL | HW_THERMAL | HW_SLOWDOWN)) != 0) return true;
        for (String n : names.split("[^a-z_]+")) {
            if (n.contains("thermal") || n.equals("hw_slowdown")) return true;
        }
        return false;
    }

    private NumericColumn<?> num(String name) {
        if (samples == null || !samples.containsColumn(name)) return null;
        Column<?> c = samples.column(name);
        return c instanceof NumericColumn<?> n ? n : null;
    }

    private StringColumn str(String name) {
        return samples != null && samples.containsColumn(name) && samples.column(name) instanceof StringColumn s ? s : null;
    }

    private static boolean has(NumericColumn<?> c, int i) {
        return c != null && !c.isMissing(i);
    }

    // ---- tables kept on the post-mortem ----

    Table peaks() {
        Table t = Table.create("GPU memory peaks").addColumns(IntColumn.create("gpu"), IntColumn.create("first_mib"), IntColumn.create("peak_mib"),
                IntColumn.create("total_mib"), DoubleColumn.create("peak_pct"), InstantColumn.create("peak_at"));
        gpus.forEach((i, g) -> {
            if (g.peak == Integer.MIN_VALUE) return;
            t.intColumn("gpu").append(i);
            t.intColumn("first_mib").append(g.first);
            t.intColumn("peak_mib").append(g.peak);
            if (g.total == Integer.MIN_VALUE) t.intColumn("total_mib").appendMissing();
            else t.intColumn("total_mib").append(g.total);
            if (g.total > 0) t.doubleColumn("peak_pct").append(Math.round(1000.0 * g.peak / g.total) / 10.0);
            else t.doubleColumn("peak_pct").appendMissing();
            t.instantColumn("peak_at").append(g.peakAt);
        });
        return t;
    }

    Table events() {
        return events;
    }

    /** The GPU samples of the last 60 s before the end (null without an audit). */
    Table lastMinute() {
        if (samples == null) return null;
        if (end == null) return samples.emptyCopy().setName("GPU samples, last 60 s");
        InstantColumn ts = samples.instantColumn("ts");
        Instant from = end.minus(LAST_WINDOW);
        Selection sel = new BitmapBackedSelection();
        for (int i = 0; i < samples.rowCount(); i++) {
            if (ts.isMissing(i)) continue;
            Instant t = ts.get(i);
            if (!t.isBefore(from) && !t.isAfter(end)) sel.add(i);
        }
        return samples.where(sel).setName("GPU samples, last 60 s before " + end);
    }

    private static Table faults(Table all) {
        if (all.rowCount() == 0) return all;
        StringColumn kind = all.stringColumn("event");
        Selection sel = new BitmapBackedSelection();
        for (int i = 0; i < all.rowCount(); i++) {
            String k = kind.isMissing(i) ? "" : kind.get(i);
            if (!k.equals("sampler_start") && !k.equals("sampler_stop")) sel.add(i);
        }
        return all.where(sel).setName("GPU events");
    }

    // ---- question 5 ----

    String answer() {
        StringBuilder s = new StringBuilder();
        if (gpus.isEmpty()) s.append("the audit has no GPU samples");
        List<String> mem = new ArrayList<>();
        gpus.forEach((i, g) -> {
            if (g.peak == Integer.MIN_VALUE) return;
            mem.add(String.format(Locale.ROOT, "GPU %d %,d → peak %,d%s MiB%s", i, g.first, g.peak,
                    g.total > 0 ? String.format(Locale.ROOT, " of %,d", g.total) : "",
                    g.total > 0 ? String.format(Locale.ROOT, " (%.1f %%)", 100.0 * g.peak / g.total) : ""));
        });
        if (!mem.isEmpty()) s.append("memory ").append(String.join(", ", mem));
        int xids = 0, lost = 0;
        for (int i = 0; i < events.rowCount(); i++) {
            String k = events.stringColumn("event").get(i);
            if (k.equals("xid")) xids++;
            else if (k.equals("gpu_lost")) lost++;
        }
        s.append(xids == 0 ? "; no XID" : "; " + xids + " XID event" + (xids == 1 ? "" : "s"));
        if (lost > 0) s.append("; ").append(lost).append(" GPU lost");
        List<String> ecc = new ArrayList<>(), thermal = new ArrayList<>();
        int power = 0, total = 0;
        for (Map.Entry<Integer, Gpu> e : gpus.entrySet()) {
            Gpu g = e.getValue();
            if (g.eccNew > 0) ecc.add("GPU " + e.getKey() + " +" + g.eccNew);
            if (g.thermal > 0) thermal.add("GPU " + e.getKey() + " in " + g.thermal + " of " + g.samples + " samples");
            power += g.power;
            total += g.samples;
        }
        s.append(ecc.isEmpty() ? "; no new uncorrected ECC errors" : "; new uncorrected ECC errors: " + String.join(", ", ecc));
        s.append(thermal.isEmpty() ? "; no thermal slowdown" : "; thermal/hardware slowdown: " + String.join(", ", thermal));
        if (power > 0) s.append("; at the power cap in ").append(power).append(" of ").append(total).append(" samples (normal under load, not a fault)");
        return s.toString();
    }

    List<Evidence> answerEvidence() {
        List<Evidence> ev = new ArrayList<>();
        gpus.forEach((i, g) -> {
            if (g.peak == Integer.MIN_VALUE || ev.size() >= 8) return;
            ev.add(Evidence.at(file, g.peakAt, memText(i, g.peak, g.total) + " (peak)"));
        });
        for (int i = 0; i < events.rowCount() && ev.size() < 12; i++) ev.add(eventEvidence(i));
        return ev;
    }

    private static String memText(int gpu, int used, int total) {
        return "gpu=" + gpu + " mem_used_mib=" + used + (total > 0 ? " mem_total_mib=" + total : "");
    }

    private Evidence eventEvidence(int row) {
        StringBuilder t = new StringBuilder();
        for (Column<?> c : events.columns()) {
            if (c.isMissing(row) || c.name().equals("ts")) continue;
            t.append(t.length() == 0 ? "" : " ").append(c.name()).append('=').append(c.getString(row));
        }
        InstantColumn ts = events.instantColumn("ts");
        return Evidence.at(file, ts.isMissing(row) ? null : ts.get(row), t.toString());
    }

    // ---- causes ----

    private boolean inRun(Instant t) {
        if (t == null) return true;
        if (end != null && t.isAfter(end.plus(EVENT_SLACK))) return false;
        return started == null || !t.isBefore(started.minus(EVENT_SLACK));
    }

    void xidCauses(PostmortemAnalysis.Sink sink) {
        InstantColumn ts = events.rowCount() == 0 ? null : events.instantColumn("ts");
        for (int i = 0; i < events.rowCount(); i++) {
            String k = events.stringColumn("event").get(i);
            Instant t = ts.isMissing(i) ? null : ts.get(i);
            if (!inRun(t)) continue;
            boolean sim = "simulated".equals(value(i, "source"));
            String g = value(i, "gpu");
            String where = g == null ? "a GPU" : "GPU " + g;
            if (k.equals("xid")) {
                Integer code = integer(value(i, "xid"));
                String c = code == null ? "?" : code.toString();
                sink.add(code != null && XidCodes.hardware(code) ? 88 : 85, "gpu_xid",
                        "XID " + c + " on " + where + (t == null ? "" : " at " + t) + ": " + (code == null ? "an XID critical error" : XidCodes.meaning(code)),
                        sim, List.of(eventEvidence(i)));
            } else if (k.equals("gpu_lost")) {
                sink.add(89, "gpu_lost", where + " was lost" + (t == null ? "" : " at " + t) + ": it stopped answering the driver (as after XID 79, fallen off the bus)",
                        sim, List.of(eventEvidence(i)));
            }
        }
    }

    void eccCauses(PostmortemAnalysis.Sink sink) {
        gpus.forEach((i, g) -> {
            if (g.eccNew <= 0) return;
            sink.add(84, "gpu_ecc", "GPU " + i + " counted " + g.eccNew + " new uncorrected ECC error" + (g.eccNew == 1 ? "" : "s")
                    + " during the run, first at " + g.eccAt + ": its memory failed", g.simulated,
                    List.of(Evidence.at(file, g.eccAt, "gpu=" + i + " ecc_uncorrected=" + (g.eccBase + g.eccNew) + " (was " + g.eccBase + ")")));
        });
    }

    void thermalCauses(PostmortemAnalysis.Sink sink) {
        gpus.forEach((i, g) -> {
            if (g.thermal == 0) return;
            sink.add(40, "thermal", "GPU " + i + " slowed down for heat or a hardware signal in " + g.thermal + " of " + g.samples + " samples, "
                    + g.thermalFirst + " to " + g.thermalLast + (g.maxTemp == Integer.MIN_VALUE ? "" : ", up to " + g.maxTemp + " C"),
                    g.simulated, List.of(Evidence.at(file, g.thermalFirst, "gpu=" + i + " thermal/hardware slowdown (first)"),
                            Evidence.at(file, g.thermalLast, "gpu=" + i + " thermal/hardware slowdown (last)")));
        });
    }

    /** Without an out-of-memory message: a GPU within 2 % of its total in the last 60 s before a failed end. */
    void probableOom(boolean failed, PostmortemAnalysis.Sink sink) {
        if (!failed || end == null || samples == null) return;
        Table last = lastMinute();
        IntColumn gpu = last.intColumn("gpu");
        NumericColumn<?> used = last.containsColumn("mem_used_mib") ? (NumericColumn<?>) last.column("mem_used_mib") : null;
        NumericColumn<?> total = last.containsColumn("mem_total_mib") ? (NumericColumn<?>) last.column("mem_total_mib") : null;
        if (used == null || total == null) return;
        InstantColumn ts = last.instantColumn("ts");
        Map<Integer, Integer> fullest = new TreeMap<>();
        for (int i = 0; i < last.rowCount(); i++) {
            if (gpu.isMissing(i) || used.isMissing(i) || total.isMissing(i) || total.getDouble(i) <= 0) continue;
            double f = used.getDouble(i) / total.getDouble(i);
            Integer best = fullest.get(gpu.get(i));
            if (f >= OOM_FRACTION && (best == null || f > used.getDouble(best) / total.getDouble(best))) fullest.put(gpu.get(i), i);
        }
        fullest.forEach((g, row) -> {
            List<Evidence> ev = new ArrayList<>();
            String climb = climb(g, ev);
            sink.add(50, "cuda_oom", "probable CUDA out of memory on GPU " + g + ": " + climb + "; training.log has no out-of-memory message",
                    gpus.get(g).simulated, ev);
        });
    }

    /** The GPU whose memory came closest to its total, or null. */
    Integer fullestGpu() {
        Integer best = null;
        double bf = -1;
        for (Map.Entry<Integer, Gpu> e : gpus.entrySet()) {
            Gpu g = e.getValue();
            if (g.peak == Integer.MIN_VALUE || g.total <= 0) continue;
            double f = (double) g.peak / g.total;
            if (f > bf) {
                bf = f;
                best = e.getKey();
            }
        }
        return best;
    }

    /** The audit's GPU for CUDA's device number: CUDA numbers the GPUs of CUDA_VISIBLE_DEVICES in its order. */
    Integer auditIndex(int cudaGpu, String cudaVisibleDevices) {
        if (cudaVisibleDevices != null && cudaVisibleDevices.matches("\\d+(,\\d+)*")) {
            String[] ids = cudaVisibleDevices.split(",");
            if (cudaGpu < ids.length) return Integer.valueOf(ids[cudaGpu]);
        }
        return cudaGpu;
    }

    /** How a GPU's memory climbed, as one phrase, adding its first and peak samples to {@code ev}; null without samples. */
    String climb(Integer index, List<Evidence> ev) {
        Gpu g = index == null ? null : gpus.get(index);
        if (g == null || g.peak == Integer.MIN_VALUE) return null;
        ev.add(Evidence.at(file, g.firstAt, memText(index, g.first, g.total) + " (first sample)"));
        ev.add(Evidence.at(file, g.peakAt, memText(index, g.peak, g.total) + " (peak)"));
        String s = String.format(Locale.ROOT, "%sGPU %d memory climbed from %,d MiB at %s to %,d%s MiB%s at %s", g.simulated ? "SIMULATED samples: " : "",
                index, g.first, g.firstAt, g.peak, g.total > 0 ? String.format(Locale.ROOT, " of %,d", g.total) : "",
                g.total > 0 ? String.format(Locale.ROOT, " (%.1f %%)", 100.0 * g.peak / g.total) : "", g.peakAt);
        if (end != null && g.peakAt != null && !g.peakAt.isAfter(end)) s += ", " + PostmortemAnalysis.human(Duration.between(g.peakAt, end)) + " before the end";
        return s;
    }

    boolean hasHostMemory() {
        return num("host_mem_available_mib") != null && num("host_mem_total_mib") != null;
    }

    /** The lowest host memory available in the last 60 s before the end, when under 10 % of the total; else null. */
    HostMemory hostMemoryLow() {
        NumericColumn<?> avail = num("host_mem_available_mib"), total = num("host_mem_total_mib");
        if (avail == null || total == null) return null;
        InstantColumn ts = samples.instantColumn("ts");
        StringColumn host = str("host"), source = str("source");
        Instant from = end == null ? null : end.minus(LAST_WINDOW);
        int best = -1;
        double bf = 2;
        for (int i = 0; i < samples.rowCount(); i++) {
            if (!has(avail, i) || !has(total, i) || total.getDouble(i) <= 0 || ts.isMissing(i)) continue;
            Instant t = ts.get(i);
            if (from != null && (t.isBefore(from) || t.isAfter(end.plus(EVENT_SLACK)))) continue;
            double f = avail.getDouble(i) / total.getDouble(i);
            if (f < bf) {
                bf = f;
                best = i;
            }
        }
        if (best < 0 || bf >= HOST_LOW_FRACTION) return null;
        return new HostMemory(host == null || host.isMissing(best) ? null : host.get(best), avail.getDouble(best), total.getDouble(best), ts.get(best),
                source != null && "simulated".equals(source.get(best)), file);
    }

    private String value(int row, String column) {
        if (!events.containsColumn(column)) return null;
        Column<?> c = events.column(column);
        return c.isMissing(row) ? null : c.getString(row);
    }

    private static Integer integer(String s) {
        if (s == null) return null;
        try {
            return (int) Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
