package orbit.artifacts;

import orbit.OrbitException;
import orbit.display.MimeBundle;
import orbit.display.TableHtml;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.InstantColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.selection.BitmapBackedSelection;
import tech.tablesaw.selection.Selection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What happened to a run, joined from its five surfaces (last_run.json + heartbeat, precheck.json,
 * training.log, logging.jsonl, the GPU audit), and the likely causes of its end, each with its evidence.
 * Anything missing from the bundle is listed in {@code notes} rather than failing.
 */
public record Postmortem(String bundle, RunState run, Instant end, Integer lastStep, Integer maxSteps, Double lastLoss,
                         Double lastEvalLoss, Table gpuPeaks, Table gpuEvents, List<String> throttling,
                         List<String> lastLogLines, Table lastMinute, List<Cause> causes, List<String> notes)
        implements MimeBundle {

    /** A likely cause and the facts that point at it. */
    public record Cause(String title, String evidence) {
        @Override
        public String toString() {
            return title + " — " + evidence;
        }
    }

    static final double OOM_FRACTION = 0.98;
    static final Duration LAST_WINDOW = Duration.ofSeconds(60);
    static final Duration HEARTBEAT_STALE = Duration.ofMinutes(5);
    // NVML clocks-event (throttle) reason bits
    static final long SW_POWER_CAP = 0x4, HW_SLOWDOWN = 0x8, SW_THERMAL = 0x20, HW_THERMAL = 0x40, HW_POWER_BRAKE = 0x80;

    public static Postmortem of(Artifacts a) {
        List<String> notes = new ArrayList<>();
        List<Cause> causes = new ArrayList<>();
        RunState run = a.run();
        PrecheckFacts pre = a.precheck();

        Audit audit = null;
        try {
            audit = a.audit();
            if (!audit.report().clean()) notes.add("audit: " + String.join("; ", audit.report().remarks()));
        } catch (OrbitException e) {
            notes.add(e.getMessage());
        }
        Table metrics = null;
        try {
            metrics = a.metrics().table();
        } catch (OrbitException e) {
            notes.add(e.getMessage());
        }
        List<String> lastLines = new ArrayList<>();
        Table log = null;
        try {
            log = a.log().table();
            StringColumn text = log.stringColumn("text");
            for (int i = Math.max(0, log.rowCount() - 20); i < log.rowCount(); i++) lastLines.add(text.get(i));
        } catch (OrbitException e) {
            notes.add(e.getMessage());
        }

        Table samples = audit == null ? null : audit.samples();
        Instant lastSample = samples == null || samples.rowCount() == 0 ? null : samples.instantColumn("ts").max();
        Instant end = run.endedAt() != null ? run.endedAt() : latest(run.latestHeartbeat(), lastSample);
        if (end == null && log != null) end = log.instantColumn("ts").max();

        // training progress
        Integer lastStep = null, maxSteps = null;
        Double lastLoss = null, lastEval = null;
        if (metrics != null) {
            IntColumn step = metrics.intColumn("step");
            IntColumn max = metrics.intColumn("max_steps");
            DoubleColumn loss = metrics.doubleColumn("loss");
            DoubleColumn eval = metrics.doubleColumn("eval_loss");
            for (int i = 0; i < metrics.rowCount(); i++) {
                if (!step.isMissing(i)) lastStep = lastStep == null ? step.get(i) : Math.max(lastStep, step.get(i));
                if (!max.isMissing(i)) maxSteps = max.get(i);
                if (!loss.isMissing(i)) lastLoss = loss.get(i);
                if (!eval.isMissing(i)) lastEval = eval.get(i);
            }
        }

        // precheck
        if ("precheck_failed".equals(run.state()) || Boolean.FALSE.equals(pre.ok()) || !pre.failures().isEmpty()) {
            List<String> f = pre.failures();
            causes.add(new Cause("precheck failure", (f.isEmpty() ? "state precheck_failed" : String.join("; ", f))
                    + (pre.present() ? " (artifacts/precheck.json)" : " (no precheck.json; see artifacts/runtime-precheck.log)")));
        }

        Table peaks = emptyPeaks();
        Table lastMinute = samples == null ? null : samples.emptyCopy();
        List<String> throttling = new ArrayList<>();
        if (samples != null && samples.rowCount() > 0) {
            peaks = peaks(samples);
            if (end != null) lastMinute = window(samples, end.minus(LAST_WINDOW), end);
            throttling = throttling(samples);
            oom(samples, end, run, log, causes);
            for (String t : throttling) causes.add(new Cause(t.contains("thermal") ? "thermal throttling" : "power throttling", t));
            ecc(samples, causes);
        } else if (log != null) {
            oom(null, end, run, log, causes);
        }

        Table events = audit == null ? AuditLoader.eventsTable().build("gpu events") : gpuEvents(audit.events());
        if (events.rowCount() > 0) {
            StringColumn kind = events.stringColumn("event");
            for (int i = 0; i < events.rowCount(); i++) {
                String k = kind.get(i);
                if (k.equals("xid") || k.equals("gpu_lost")) {
                    StringBuilder ev = new StringBuilder();
                    for (var c : events.columns()) {
                        if (!c.isMissing(i) && !c.name().equals("event")) ev.append(ev.length() == 0 ? "" : ", ").append(c.name()).append('=').append(c.getString(i));
                    }
                    causes.add(new Cause(k.equals("xid") ? "GPU XID error" : "GPU lost", ev.toString()));
                }
            }
        }

        // host lost: the state says so, or the heartbeat stopped well before the end we can see
        Instant beat = run.latestHeartbeat();
        if ("lost".equals(run.state())) {
            causes.add(new Cause("host lost (heartbeat stopped)", "state lost" + (beat == null ? "" : "; last heartbeat " + beat)
                    + (run.reason() == null ? "" : "; " + run.reason())));
        } else if (beat != null) {
            Instant reference = run.ended() ? run.endedAt() : Instant.now();
            if (reference != null && Duration.between(beat, reference).compareTo(HEARTBEAT_STALE) > 0) {
                causes.add(new Cause("host lost (heartbeat stopped)", "last heartbeat " + beat + ", "
                        + human(Duration.between(beat, reference)) + " before " + (run.ended() ? "the recorded end " + reference : "now")
                        + " while state is " + run.state()));
            }
        }
        if (run.ended() && run.failed() && causes.isEmpty()) notes.add("no cause found in the GPU audit, precheck or heartbeat: read the last lines of training.log");

        return new Postmortem(a.name(), run, end, lastStep, maxSteps, lastLoss, lastEval, peaks, events, throttling,
                lastLines, lastMinute, causes, notes);
    }

    // ---- analysis ----

    private static Table emptyPeaks() {
        return Table.create("GPU memory peaks").addColumns(IntColumn.create("gpu"), IntColumn.create("peak_mib"),
                IntColumn.create("total_mib"), DoubleColumn.create("peak_pct"), InstantColumn.create("peak_at"));
    }

    static Table peaks(Table samples) {
        IntColumn gpu = samples.intColumn("gpu");
        IntColumn used = samples.intColumn("mem_used_mib");
        IntColumn total = samples.intColumn("mem_total_mib");
        InstantColumn ts = samples.instantColumn("ts");
        TreeMap<Integer, int[]> best = new TreeMap<>(); // gpu → {peak, total, row}
        for (int i = 0; i < samples.rowCount(); i++) {
            if (gpu.isMissing(i) || used.isMissing(i)) continue;
            int[] b = best.computeIfAbsent(gpu.get(i), g -> new int[] {Integer.MIN_VALUE, Integer.MIN_VALUE, -1});
            if (used.get(i) > b[0]) {
                b[0] = used.get(i);
                b[2] = i;
            }
            if (!total.isMissing(i)) b[1] = total.get(i);
        }
        Table t = emptyPeaks();
        for (Map.Entry<Integer, int[]> e : best.entrySet()) {
            int[] b = e.getValue();
            t.intColumn("gpu").append(e.getKey());
            t.intColumn("peak_mib").append(b[0]);
            if (b[1] == Integer.MIN_VALUE) t.intColumn("total_mib").appendMissing();
            else t.intColumn("total_mib").append(b[1]);
            if (b[1] > 0) t.doubleColumn("peak_pct").append(Math.round(1000.0 * b[0] / b[1]) / 10.0);
            else t.doubleColumn("peak_pct").appendMissing();
            t.instantColumn("peak_at").append(ts.isMissing(b[2]) ? null : ts.get(b[2]));
        }
        return t;
    }

    static Table window(Table samples, Instant from, Instant to) {
        InstantColumn ts = samples.instantColumn("ts");
        Selection sel = new BitmapBackedSelection();
        for (int i = 0; i < samples.rowCount(); i++) {
            if (ts.isMissing(i)) continue;
            Instant t = ts.get(i);
            if (!t.isBefore(from) && !t.isAfter(to)) sel.add(i);
        }
        return samples.where(sel).setName("GPU samples, last 60 s before " + to);
    }

    private static void oom(Table samples, Instant end, RunState run, Table log, List<Cause> causes) {
        String logLine = null;
        if (log != null) {
            StringColumn text = log.stringColumn("text");
            for (int i = log.rowCount() - 1; i >= 0 && logLine == null; i--) {
                String l = text.get(i).toLowerCase(Locale.ROOT);
                if (l.contains("out of memory") || l.contains("outofmemoryerror") || l.contains("cuda_error_out_of_memory")) {
                    logLine = "training.log line " + log.intColumn("line").get(i) + ": " + text.get(i).strip();
                }
            }
        }
        boolean failed = run.failed() || !run.ended() && end != null;
        List<String> near = new ArrayList<>();
        if (samples != null && end != null && failed) {
            Table last = window(samples, end.minus(LAST_WINDOW), end);
            IntColumn gpu = last.intColumn("gpu");
            IntColumn used = last.intColumn("mem_used_mib");
            IntColumn total = last.intColumn("mem_total_mib");
            InstantColumn ts = last.instantColumn("ts");
            Map<Integer, String> perGpu = new TreeMap<>();
            Map<Integer, Double> frac = new TreeMap<>();
            for (int i = 0; i < last.rowCount(); i++) {
                if (gpu.isMissing(i) || used.isMissing(i) || total.isMissing(i) || total.get(i) <= 0) continue;
                double f = (double) used.get(i) / total.get(i);
                if (f >= OOM_FRACTION && f > frac.getOrDefault(gpu.get(i), 0.0)) {
                    frac.put(gpu.get(i), f);
                    perGpu.put(gpu.get(i), "GPU " + gpu.get(i) + " at " + used.get(i) + " of " + total.get(i) + " MiB ("
                            + String.format(Locale.ROOT, "%.1f", 100 * f) + " %) at " + ts.get(i));
                }
            }
            near.addAll(perGpu.values());
        }
        if (!near.isEmpty()) {
            causes.add(new Cause("probable out-of-memory", String.join("; ", near) + ", within " + LAST_WINDOW.toSeconds()
                    + " s of the end " + end + (logLine == null ? "" : "; " + logLine)));
        } else if (logLine != null) {
            causes.add(new Cause("out-of-memory reported", logLine));
        }
    }

    static List<String> throttling(Table samples) {
        IntColumn gpu = samples.intColumn("gpu");
        LongColumn reasons = samples.longColumn("throttle_reasons");
        StringColumn names = samples.stringColumn("throttle_reason_names");
        IntColumn temp = samples.intColumn("temp_c");
        InstantColumn ts = samples.instantColumn("ts");
        Map<Integer, long[]> thermal = new TreeMap<>(); // gpu → {count, firstRow, lastRow, maxTemp}
        Map<Integer, long[]> power = new TreeMap<>();
        Map<Integer, Integer> total = new TreeMap<>();
        for (int i = 0; i < samples.rowCount(); i++) {
            int g = gpu.isMissing(i) ? -1 : gpu.get(i);
            total.merge(g, 1, Integer::sum);
            long r = reasons.isMissing(i) ? 0 : reasons.get(i);
            String n = names.isMissing(i) ? "" : names.get(i).toLowerCase(Locale.ROOT);
            boolean th = (r & (SW_THERMAL | HW_THERMAL | HW_SLOWDOWN)) != 0 || n.contains("thermal") || n.contains("hw_slowdown");
            boolean pw = (r & (SW_POWER_CAP | HW_POWER_BRAKE)) != 0 || n.contains("power");
            if (th) count(thermal, g, i, temp.isMissing(i) ? 0 : temp.get(i));
            if (pw) count(power, g, i, 0);
        }
        List<String> out = new ArrayList<>();
        thermal.forEach((g, c) -> out.add("GPU " + g + " thermal/hardware slowdown in " + c[0] + " of " + total.get(g) + " samples, "
                + ts.get((int) c[1]) + " to " + ts.get((int) c[2]) + ", max " + c[3] + " C"));
        power.forEach((g, c) -> {
            // a power cap now and then is how a busy GPU runs; call it out when it is a large share of the run
            if (c[0] * 10 >= total.get(g)) {
                out.add("GPU " + g + " power throttling in " + c[0] + " of " + total.get(g) + " samples, " + ts.get((int) c[1]) + " to " + ts.get((int) c[2]));
            }
        });
        return out;
    }

    private static void count(Map<Integer, long[]> m, int g, int row, int temp) {
        long[] c = m.computeIfAbsent(g, k -> new long[] {0, row, row, Integer.MIN_VALUE});
        c[0]++;
        c[2] = row;
        c[3] = Math.max(c[3], temp);
    }

    private static void ecc(Table samples, List<Cause> causes) {
        IntColumn gpu = samples.intColumn("gpu");
        IntColumn unc = samples.intColumn("ecc_uncorrected");
        InstantColumn ts = samples.instantColumn("ts");
        Map<Integer, String> first = new TreeMap<>();
        for (int i = 0; i < samples.rowCount(); i++) {
            if (!unc.isMissing(i) && unc.get(i) > 0 && !gpu.isMissing(i)) first.putIfAbsent(gpu.get(i), "GPU " + gpu.get(i) + " " + unc.get(i) + " uncorrected ECC errors at " + ts.get(i));
        }
        first.values().forEach(e -> causes.add(new Cause("uncorrected ECC errors", e)));
    }

    private static Table gpuEvents(Table events) {
        if (events.rowCount() == 0) return events;
        StringColumn kind = events.stringColumn("event");
        Selection sel = new BitmapBackedSelection();
        for (int i = 0; i < events.rowCount(); i++) {
            String k = kind.get(i);
            if (!k.equals("sampler_start") && !k.equals("sampler_stop")) sel.add(i);
        }
        return events.where(sel).setName("GPU events");
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.isAfter(b) ? a : b;
    }

    static String human(Duration d) {
        long s = d.getSeconds();
        if (s < 120) return s + " s";
        if (s < 7200) return (s / 60) + " min";
        return (s / 3600) + " h " + (s % 3600) / 60 + " min";
    }

    // ---- display ----

    public String headline() {
        StringBuilder sb = new StringBuilder(bundle).append(": ").append(run.state());
        if (run.exitCode() != null) sb.append(", exit ").append(run.exitCode());
        if (run.signal() != null) sb.append(", signal ").append(run.signal());
        if (lastStep != null) sb.append(", step ").append(lastStep).append(maxSteps == null ? "" : "/" + maxSteps);
        if (lastLoss != null) sb.append(", loss ").append(String.format(Locale.ROOT, "%.4g", lastLoss));
        if (!causes.isEmpty()) sb.append(" — likely: ").append(causes.get(0).title());
        return sb.toString();
    }

    private Map<String, String> facts() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("state", run.state() + (run.reason() == null ? "" : " (" + run.reason() + ")"));
        f.put("exit", run.exitCode() == null ? (run.signal() == null ? "-" : "signal " + run.signal()) : run.exitCode() + (run.signal() == null ? "" : ", signal " + run.signal()));
        f.put("host", run.host() == null ? "-" : run.host() + (run.target() == null ? "" : " (" + run.target() + ")"));
        f.put("started", String.valueOf(run.startedAt()));
        f.put("ended", run.endedAt() == null ? "-" : run.endedAt() + (run.startedAt() == null ? "" : " after " + human(Duration.between(run.startedAt(), run.endedAt()))));
        f.put("last heartbeat", String.valueOf(run.latestHeartbeat()));
        f.put("progress", lastStep == null ? "-" : "step " + lastStep + (maxSteps == null ? "" : " of " + maxSteps
                + String.format(Locale.ROOT, " (%.1f %%)", 100.0 * lastStep / Math.max(1, maxSteps))));
        f.put("last loss", lastLoss == null ? "-" : String.format(Locale.ROOT, "%.4g", lastLoss)
                + (lastEvalLoss == null ? "" : String.format(Locale.ROOT, " (eval %.4g)", lastEvalLoss)));
        return f;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Post-mortem of ").append(bundle).append('\n');
        facts().forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-15s %s%n", k, v)));
        sb.append("Likely causes:\n");
        if (causes.isEmpty()) sb.append("  none found\n");
        for (Cause c : causes) sb.append("  - ").append(c.title()).append(": ").append(c.evidence()).append('\n');
        sb.append("GPU memory peaks:\n").append(gpuPeaks.rowCount() == 0 ? "  (no GPU audit)\n" : gpuPeaks.print() + "\n");
        if (!throttling.isEmpty()) sb.append("Throttling:\n").append(String.join("\n", throttling.stream().map(t -> "  " + t).toList())).append('\n');
        if (gpuEvents.rowCount() > 0) sb.append(gpuEvents.print()).append('\n');
        if (lastMinute != null) sb.append("GPU samples in the last 60 s: ").append(lastMinute.rowCount()).append(" rows\n");
        sb.append("Last lines of training.log:\n");
        for (String l : lastLogLines) sb.append("  | ").append(l).append('\n');
        for (String n : notes) sb.append("note: ").append(n).append('\n');
        return sb.toString();
    }

    @Override
    public Map<String, String> mimeBundle() {
        StringBuilder h = new StringBuilder("<div class=\"orbit-postmortem\"><h3>Post-mortem of ").append(TableHtml.escape(bundle)).append("</h3>");
        h.append("<table>");
        facts().forEach((k, v) -> h.append("<tr><th style=\"text-align:left\">").append(TableHtml.escape(k)).append("</th><td>")
                .append(TableHtml.escape(v)).append("</td></tr>"));
        h.append("</table><h4>Likely causes</h4>");
        if (causes.isEmpty()) h.append("<p>none found</p>");
        else {
            h.append("<ul class=\"orbit-causes\">");
            for (Cause c : causes) h.append("<li><b>").append(TableHtml.escape(c.title())).append("</b>: ").append(TableHtml.escape(c.evidence())).append("</li>");
            h.append("</ul>");
        }
        h.append("<h4>GPU memory peaks</h4>").append(gpuPeaks.rowCount() == 0 ? "<p>no GPU audit</p>" : TableHtml.render(gpuPeaks));
        if (!throttling.isEmpty()) {
            h.append("<h4>Throttling</h4><ul>");
            for (String t : throttling) h.append("<li>").append(TableHtml.escape(t)).append("</li>");
            h.append("</ul>");
        }
        if (gpuEvents.rowCount() > 0) h.append("<h4>GPU events</h4>").append(TableHtml.render(gpuEvents));
        if (lastMinute != null && lastMinute.rowCount() > 0) h.append("<h4>GPU samples, last 60 s</h4>").append(TableHtml.render(lastMinute, 24));
        h.append("<h4>Last lines of training.log</h4><pre>");
        for (String l : lastLogLines) h.append(TableHtml.escape(l)).append('\n');
        h.append("</pre>");
        if (!notes.isEmpty()) {
            h.append("<ul style=\"color:#a15c00\">");
            for (String n : notes) h.append("<li>").append(TableHtml.escape(n)).append("</li>");
            h.append("</ul>");
        }
        h.append("</div>");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", toString());
        m.put("text/html", h.toString());
        return m;
    }
}
