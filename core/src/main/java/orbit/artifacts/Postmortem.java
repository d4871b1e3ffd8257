package orbit.artifacts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import orbit.bundle.Json;
import orbit.display.MimeBundle;
import orbit.display.TableHtml;
import tech.tablesaw.api.Table;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Why a run ended as it did, from its bundle's files alone: the five questions of a post-mortem, answered in
 * order with the lines that answer them, then the likely causes, most probable first, each with its evidence
 * (file, line or byte offset or timestamp, the quoted text). A succeeded run has no causes. The text view, the
 * notebook's HTML view and {@link #toJson()} (schema {@value #SCHEMA}) show the same questions and causes.
 * Anything missing from the bundle is listed in {@code notes} rather than failing.
 */
public record Postmortem(String bundle, RunRecord run, Instant end, Integer lastStep, Integer maxSteps, Double lastLoss,
                         Double lastEvalLoss, Table gpuPeaks, Table gpuEvents, Table lastMinute, List<Question> questions,
                         List<Cause> causes, List<String> notes) implements MimeBundle {
    public static final String SCHEMA = "orbit.postmortem.v1";

    public Postmortem {
        questions = List.copyOf(questions);
        causes = List.copyOf(causes);
        notes = List.copyOf(notes);
    }

    /**
     * Where a fact was read: a file of the bundle (relative to it) and a line (1-based), a byte offset or a
     * timestamp (for the GPU audit, whose samples are found by time), and the quoted text.
     */
    public record Evidence(String file, Integer line, Long offset, Instant ts, String text) {
        static final int MAX_TEXT = 400;

        public Evidence {
            text = text == null ? "" : text.strip();
            if (text.length() > MAX_TEXT) text = text.substring(0, MAX_TEXT - 1) + "…";
        }

        static Evidence line(String file, int line, String text) {
            return new Evidence(file, line, null, null, text);
        }

        static Evidence at(String file, Instant ts, String text) {
            return new Evidence(file, null, null, ts, text);
        }

        /** file:line, file@offset, file at ts, or the file alone. */
        public String where() {
            if (line != null) return file + ":" + line;
            if (offset != null) return file + "@" + offset;
            if (ts != null) return file + " at " + ts;
            return file;
        }
    }

    /** One of the five questions, its answer, and the lines that answer it. */
    public record Question(String question, String answer, List<Evidence> evidence) {
        public Question {
            evidence = List.copyOf(evidence);
        }
    }

    /**
     * A likely cause: its kind (precheck_failed, cancelled, timeout, gpu_xid, gpu_lost, gpu_ecc, host_lost,
     * killed, cuda_oom, python_exception, nccl_error, nan_loss, thermal, nonzero_exit), one line saying what
     * happened, whether it rests on simulated GPU samples (then the summary starts with SIMULATED), and its evidence.
     */
    public record Cause(String kind, String summary, boolean simulated, List<Evidence> evidence) {
        public Cause {
            evidence = List.copyOf(evidence);
            if (simulated && !summary.startsWith("SIMULATED")) summary = "SIMULATED: " + summary;
        }

        @Override
        public String toString() {
            return kind + ": " + summary;
        }
    }

    public static Postmortem of(Artifacts a) {
        return PostmortemAnalysis.of(a);
    }

    // ---- views: all three show the same questions and causes ----

    public String headline() {
        StringBuilder sb = new StringBuilder(bundle).append(": ").append(run.state());
        if (run.exitCode() != null) sb.append(", exit ").append(run.exitCode());
        if (run.signal() != null) sb.append(", signal ").append(run.signal());
        if (lastStep != null) sb.append(", step ").append(lastStep).append(maxSteps == null ? "" : "/" + maxSteps);
        if (lastLoss != null) sb.append(", loss ").append(String.format(Locale.ROOT, "%.4g", lastLoss));
        if (!causes.isEmpty()) sb.append(" — likely: ").append(causes.get(0).kind());
        return sb.toString();
    }

    /** The post-mortem as one {@value #SCHEMA} object. */
    public ObjectNode json() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("schema_version", SCHEMA);
        o.put("bundle", bundle);
        putOrNull(o, "run_id", run.runId());
        o.put("state", run.state());
        if (run.exitCode() == null) o.putNull("exit_code");
        else o.put("exit_code", run.exitCode());
        putOrNull(o, "signal", run.signal());
        putOrNull(o, "slurm_job_id", run.slurmJobId());
        putOrNull(o, "slurm_state", run.slurmState());
        putOrNull(o, "slurm_reason", run.slurmReason());
        ArrayNode qs = o.putArray("questions");
        for (Question q : questions) {
            ObjectNode j = qs.addObject();
            j.put("question", q.question());
            j.put("answer", q.answer());
            evidence(j.putArray("evidence"), q.evidence());
        }
        ArrayNode cs = o.putArray("causes");
        for (Cause c : causes) {
            ObjectNode j = cs.addObject();
            j.put("kind", c.kind());
            j.put("summary", c.summary());
            j.put("simulated", c.simulated());
            evidence(j.putArray("evidence"), c.evidence());
        }
        ArrayNode ns = o.putArray("notes");
        notes.forEach(ns::add);
        return o;
    }

    /** {@link #json()} as indented text. */
    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the post-mortem as JSON", e);
        }
    }

    private static void evidence(ArrayNode into, List<Evidence> evidence) {
        for (Evidence e : evidence) {
            ObjectNode j = into.addObject();
            j.put("file", e.file());
            if (e.line() != null) j.put("line", e.line());
            if (e.offset() != null) j.put("offset", e.offset());
            if (e.ts() != null) j.put("ts", e.ts().toString());
            j.put("text", e.text());
        }
    }

    private static void putOrNull(ObjectNode o, String k, String v) {
        if (v == null) o.putNull(k);
        else o.put(k, v);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Post-mortem of ").append(headline()).append('\n');
        for (int i = 0; i < questions.size(); i++) {
            Question q = questions.get(i);
            sb.append(i + 1).append(". ").append(q.question()).append('\n');
            sb.append("   ").append(q.answer()).append('\n');
            for (Evidence e : q.evidence()) sb.append("     ").append(e.where()).append("  ").append(e.text()).append('\n');
        }
        sb.append("Likely causes, most probable first:\n");
        if (causes.isEmpty()) sb.append("  none").append(run.state().equals("succeeded") ? " (the run succeeded)" : " found in the bundle").append('\n');
        for (int i = 0; i < causes.size(); i++) {
            Cause c = causes.get(i);
            sb.append("  ").append(i + 1).append(". ").append(c.kind()).append(": ").append(c.summary()).append('\n');
            for (Evidence e : c.evidence()) sb.append("       ").append(e.where()).append("  ").append(e.text()).append('\n');
        }
        for (String n : notes) sb.append("note: ").append(n).append('\n');
        return sb.toString();
    }

    @Override
    public Map<String, String> mimeBundle() {
        StringBuilder h = new StringBuilder("<div class=\"orbit-postmortem\"><h3>Post-mortem of ").append(esc(headline())).append("</h3>");
        h.append("<table><tr><th>#</th><th style=\"text-align:left\">question</th><th style=\"text-align:left\">answer</th>"
                + "<th style=\"text-align:left\">evidence</th></tr>");
        for (int i = 0; i < questions.size(); i++) {
            Question q = questions.get(i);
            h.append("<tr><td>").append(i + 1).append("</td><td style=\"text-align:left\">").append(esc(q.question()))
                    .append("</td><td style=\"text-align:left\">").append(esc(q.answer())).append("</td><td style=\"text-align:left\">");
            evidenceHtml(h, q.evidence());
            h.append("</td></tr>");
        }
        h.append("</table><h4>Likely causes, most probable first</h4>");
        if (causes.isEmpty()) h.append("<p>none").append(run.state().equals("succeeded") ? " (the run succeeded)" : " found in the bundle").append("</p>");
        else {
            h.append("<ol class=\"orbit-causes\">");
            for (Cause c : causes) {
                h.append("<li><b>").append(esc(c.kind())).append("</b>: ").append(esc(c.summary()));
                evidenceHtml(h, c.evidence());
                h.append("</li>");
            }
            h.append("</ol>");
        }
        if (!notes.isEmpty()) {
            h.append("<ul style=\"color:#a15c00\">");
            for (String n : notes) h.append("<li>note: ").append(esc(n)).append("</li>");
            h.append("</ul>");
        }
        h.append("</div>");
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", toString());
        m.put("text/html", h.toString());
        return m;
    }

    private static void evidenceHtml(StringBuilder h, List<Evidence> evidence) {
        if (evidence.isEmpty()) return;
        h.append("<ul style=\"margin:0\">");
        for (Evidence e : evidence) {
            h.append("<li><code>").append(esc(e.where())).append("</code> <code>").append(esc(e.text())).append("</code></li>");
        }
        h.append("</ul>");
    }

    private static String esc(String s) {
        return TableHtml.escape(s);
    }
}
