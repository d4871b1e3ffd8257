package orbit.provenance;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import orbit.bundle.BytecodeCache;
import orbit.bundle.InputsIndex;
import orbit.bundle.JobSpec;
import orbit.bundle.Json;
import orbit.display.MimeBundle;
import orbit.display.TableHtml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What differs between two bundles or runs (schema orbit.diff.v1, documented in docs/provenance.md): job.json
 * fields, staged inputs by digest, critical dependencies as their prechecks resolved them, the fork's files,
 * upstream commits, and how each run ended side by side. The name, creation time and reference of job.json are
 * who a bundle is, not what it runs, and are not compared.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
@JsonPropertyOrder({"schema_version", "a", "b", "identical", "job", "inputs", "deps", "fork_files", "upstream", "outcome", "notes"})
public record BundleDiff(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("a") String a,
        @JsonProperty("b") String b,
        @JsonProperty("job") List<Field> job,
        @JsonProperty("inputs") List<FileChange> inputs,
        @JsonProperty("deps") List<Dep> deps,
        @JsonProperty("fork_files") List<FileChange> forkFiles,
        @JsonProperty("upstream") List<Field> upstream,
        @JsonProperty("outcome") Outcome outcome,
        @JsonProperty("notes") List<String> notes) implements MimeBundle {

    public static final String SCHEMA = "orbit.diff.v1";
    private static final Set<String> IDENTITY = Set.of("name", "created_at", "reference");

    /** A value that differs: a job.json field (dotted path, value as JSON) or an upstream component's commit. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"field", "a", "b"})
    public record Field(@JsonProperty("field") String field, @JsonProperty("a") String a, @JsonProperty("b") String b) {}

    /** A file added (only in B), removed (only in A) or changed (both, different sha256). */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"path", "change", "a_sha256", "b_sha256"})
    public record FileChange(@JsonProperty("path") String path, @JsonProperty("change") String change,
                             @JsonProperty("a_sha256") String aSha256, @JsonProperty("b_sha256") String bSha256) {}

    /** A critical dependency whose resolution differs; {@code differs} names what: version, path, files_sha256, ok. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"name", "differs", "a_version", "b_version", "a_path", "b_path", "a_files_sha256", "b_files_sha256"})
    public record Dep(@JsonProperty("name") String name, @JsonProperty("differs") List<String> differs,
                      @JsonProperty("a_version") String aVersion, @JsonProperty("b_version") String bVersion,
                      @JsonProperty("a_path") String aPath, @JsonProperty("b_path") String bPath,
                      @JsonProperty("a_files_sha256") String aFilesSha256, @JsonProperty("b_files_sha256") String bFilesSha256) {}

    /** Both outcomes side by side, and which of state, last_step, last_loss, peak_gpu_mem_mib differ. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonPropertyOrder({"a", "b", "differs"})
    public record Outcome(@JsonProperty("a") RunOutcome a, @JsonProperty("b") RunOutcome b, @JsonProperty("differs") List<String> differs) {}

    public static BundleDiff of(RunRef a, RunRef b) {
        List<String> notes = new ArrayList<>(a.notes());
        notes.addAll(b.notes());
        RunOutcome oa = RunOutcome.of(a);
        RunOutcome ob = RunOutcome.of(b);
        List<String> differs = new ArrayList<>();
        if (!Objects.equals(oa.state(), ob.state())) differs.add("state");
        if (!Objects.equals(oa.lastStep(), ob.lastStep())) differs.add("last_step");
        if (!Objects.equals(oa.lastLoss(), ob.lastLoss())) differs.add("last_loss");
        if (!Objects.equals(oa.peakGpuMemMib(), ob.peakGpuMemMib())) differs.add("peak_gpu_mem_mib");
        return new BundleDiff(SCHEMA, a.label(), b.label(), jobFields(a.job(), b.job()), inputFiles(a.inputs().files(), b.inputs().files()),
                deps(a, b, notes), files(forkFiles(a), forkFiles(b)), upstream(a, b), new Outcome(oa, ob, List.copyOf(differs)),
                List.copyOf(notes));
    }

    /** True when nothing compared differs, outcome included. */
    @JsonProperty("identical")
    public boolean identical() {
        return job.isEmpty() && inputs.isEmpty() && deps.isEmpty() && forkFiles.isEmpty() && upstream.isEmpty() && outcome.differs().isEmpty();
    }

    @JsonIgnore
    public String json() {
        return new String(Json.bytes(this), java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---- comparisons ----

    static List<Field> jobFields(JobSpec a, JobSpec b) {
        Map<String, String> fa = new TreeMap<>();
        Map<String, String> fb = new TreeMap<>();
        flatten("", Json.MAPPER.valueToTree(a), fa);
        flatten("", Json.MAPPER.valueToTree(b), fb);
        List<Field> out = new ArrayList<>();
        Set<String> keys = new TreeSet<>(fa.keySet());
        keys.addAll(fb.keySet());
        for (String k : keys) {
            if (IDENTITY.contains(k.split("\\.")[0])) continue;
            if (!Objects.equals(fa.get(k), fb.get(k))) out.add(new Field(k, fa.get(k), fb.get(k)));
        }
        return out;
    }

    /** Objects become dotted paths; arrays and scalars stay whole, as compact JSON. */
    private static void flatten(String prefix, JsonNode n, Map<String, String> out) {
        if (n == null || n.isNull()) return;
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
            return;
        }
        out.put(prefix, n.isTextual() ? n.asText() : n.toString());
    }

    static List<FileChange> files(Map<String, String> a, Map<String, String> b) {
        List<FileChange> out = new ArrayList<>();
        Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            String da = a.get(k);
            String db = b.get(k);
            if (da == null) out.add(new FileChange(k, "added", null, db));
            else if (db == null) out.add(new FileChange(k, "removed", da, null));
            else if (!da.equals(db)) out.add(new FileChange(k, "changed", da, db));
        }
        return out;
    }

    private static List<FileChange> inputFiles(Map<String, InputsIndex.Entry> a, Map<String, InputsIndex.Entry> b) {
        Map<String, String> da = new TreeMap<>();
        Map<String, String> db = new TreeMap<>();
        a.forEach((k, v) -> {
            if (!BytecodeCache.isCache(k)) da.put(k, v.sha256());
        });
        b.forEach((k, v) -> {
            if (!BytecodeCache.isCache(k)) db.put(k, v.sha256());
        });
        return files(da, db);
    }

    /**
     * The fork's files by path relative to the fork root, from the inputs index (so a run's fork is the one it ran).
     * FORK_MANIFEST.json is left out: it differs whenever a file or the upstream does, and both are shown themselves.
     */
    private static Map<String, String> forkFiles(RunRef r) {
        Map<String, String> out = new TreeMap<>();
        JobSpec.Fork fork = r.job().fork();
        if (fork == null) return out;
        String root = Path.of(fork.path()).normalize().toString() + "/";
        r.inputs().files().forEach((k, v) -> {
            if (k.startsWith(root) && !k.equals(root + ForkManifest.FILE) && !BytecodeCache.isCache(k)) out.put(k.substring(root.length()), v.sha256());
        });
        return out;
    }

    private static List<Dep> deps(RunRef a, RunRef b, List<String> notes) {
        Map<String, PrecheckReport.Dep> da = depsOf(a, notes);
        Map<String, PrecheckReport.Dep> db = depsOf(b, notes);
        Set<String> names = new TreeSet<>(da.keySet());
        names.addAll(db.keySet());
        List<Dep> out = new ArrayList<>();
        for (String n : names) {
            PrecheckReport.Dep x = da.get(n);
            PrecheckReport.Dep y = db.get(n);
            List<String> differs = new ArrayList<>();
            if (x == null || y == null) differs.add(x == null ? "only in b" : "only in a");
            else {
                if (x.ok() != y.ok()) differs.add("ok");
                if (!Objects.equals(x.version(), y.version())) differs.add("version");
                if (!Objects.equals(comparedPath(a, x.path()), comparedPath(b, y.path()))) differs.add("path");
                if (!Objects.equals(x.filesSha256(), y.filesSha256())) differs.add("files_sha256");
            }
            if (differs.isEmpty()) continue;
            out.add(new Dep(n, List.copyOf(differs), x == null ? null : x.version(), y == null ? null : y.version(),
                    x == null ? null : x.path(), y == null ? null : y.path(),
                    x == null ? null : x.filesSha256(), y == null ? null : y.filesSha256()));
        }
        return out;
    }

    /**
     * A resolved path as compared: inside the staged fork as its precheck found it, relative to the fork; inside
     * the local bundle, relative to it; any other path as recorded. So a fork staged in each bundle's own inputs/
     * (a clone's, say, on this machine or on a host) is the same path in both.
     */
    private static String comparedPath(RunRef r, String path) {
        if (path == null) return null;
        Path p = Path.of(path).normalize();
        var report = r.precheck();
        if (report.isPresent() && report.get().fork() != null && report.get().fork().expectedPath() != null) {
            Path fork = Path.of(report.get().fork().expectedPath()).normalize();
            if (p.isAbsolute() && p.startsWith(fork)) return "<fork " + report.get().fork().module() + ">/" + fork.relativize(p);
        }
        Path bundle = r.bundle().path().toAbsolutePath().normalize();
        try {
            bundle = bundle.toRealPath(); // the precheck records resolved paths
        } catch (IOException e) {
            // compared as it is
        }
        return p.isAbsolute() && p.startsWith(bundle) ? "<bundle>/" + bundle.relativize(p) : path;
    }

    private static Map<String, PrecheckReport.Dep> depsOf(RunRef r, List<String> notes) {
        Map<String, PrecheckReport.Dep> out = new TreeMap<>();
        var report = r.precheck();
        if (report.isEmpty()) {
            if (!r.job().criticalDeps().isEmpty()) notes.add(r.label() + ": no artifacts/precheck.json, so its dependencies are not compared");
            return out;
        }
        if (report.get().deps() != null) report.get().deps().forEach(d -> out.put(d.name(), d));
        return out;
    }

    /** Upstream pins by name, and the fork's upstream (repository @ commit) as its FORK_MANIFEST.json says. */
    private static List<Field> upstream(RunRef a, RunRef b) {
        Map<String, String> ua = pins(a);
        Map<String, String> ub = pins(b);
        List<Field> out = new ArrayList<>();
        Set<String> keys = new TreeSet<>(ua.keySet());
        keys.addAll(ub.keySet());
        for (String k : keys) if (!Objects.equals(ua.get(k), ub.get(k))) out.add(new Field(k, ua.get(k), ub.get(k)));
        return out;
    }

    private static Map<String, String> pins(RunRef r) {
        Map<String, String> out = new TreeMap<>();
        for (JobSpec.UpstreamPin p : r.job().upstream()) out.put(p.name(), p.source() + " @ " + p.commit());
        String fork = forkUpstream(r);
        if (fork != null) out.put("fork " + r.job().fork().module(), fork);
        return out;
    }

    /** The precheck's view of the manifest when the run got that far, else the staged FORK_MANIFEST.json. */
    private static String forkUpstream(RunRef r) {
        JobSpec.Fork fork = r.job().fork();
        if (fork == null) return null;
        var report = r.precheck();
        if (report.isPresent() && report.get().fork() != null && report.get().fork().manifest() instanceof Map<?, ?> m) {
            return m.get("repository") == null && m.get("commit") == null ? null : m.get("repository") + " @ " + m.get("commit");
        }
        Path manifest = r.bundle().inputsDir().resolve(fork.path()).resolve(ForkManifest.FILE);
        if (!Files.isRegularFile(manifest)) return null;
        try {
            JsonNode up = Json.MAPPER.readTree(Files.readAllBytes(manifest)).path("upstream");
            String repository = up.path("repository").asText(null);
            String commit = up.path("commit").asText(null);
            return repository == null && commit == null ? null : repository + " @ " + commit;
        } catch (IOException e) {
            return null;
        }
    }

    // ---- display ----

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("diff ").append(a).append(" → ").append(b).append(identical() ? ": no differences\n" : "\n");
        if (!job.isEmpty()) {
            sb.append("job.json:\n");
            for (Field f : job) sb.append("  ").append(f.field()).append(": ").append(show(f.a())).append(" → ").append(show(f.b())).append('\n');
        }
        if (!inputs.isEmpty()) {
            sb.append("inputs:\n");
            for (FileChange c : inputs) sb.append(fileLine(c));
        }
        if (!deps.isEmpty()) {
            sb.append("critical dependencies:\n");
            for (Dep d : deps) {
                sb.append("  ").append(d.name()).append(" (").append(String.join(", ", d.differs())).append(")\n")
                        .append("    a: ").append(show(d.aVersion())).append("  ").append(show(d.aPath())).append("  files ").append(show(d.aFilesSha256())).append('\n')
                        .append("    b: ").append(show(d.bVersion())).append("  ").append(show(d.bPath())).append("  files ").append(show(d.bFilesSha256())).append('\n');
            }
        }
        if (!forkFiles.isEmpty()) {
            sb.append("fork files:\n");
            for (FileChange c : forkFiles) sb.append(fileLine(c));
        }
        if (!upstream.isEmpty()) {
            sb.append("upstream:\n");
            for (Field f : upstream) sb.append("  ").append(f.field()).append(": ").append(show(f.a())).append(" → ").append(show(f.b())).append('\n');
        }
        sb.append("outcome").append(outcome.differs().isEmpty() ? " (same)" : " (differs: " + String.join(", ", outcome.differs()) + ")").append(":\n");
        for (String[] row : outcomeRows()) sb.append(String.format(Locale.ROOT, "  %-17s %-28s %s%n", row[0], row[1], row[2]));
        for (String n : notes) sb.append("note: ").append(n).append('\n');
        return sb.toString();
    }

    private static String fileLine(FileChange c) {
        return "  " + c.change() + " " + c.path() + (c.change().equals("changed") ? " " + shortSha(c.aSha256()) + " → " + shortSha(c.bSha256())
                : c.change().equals("added") ? " " + shortSha(c.bSha256()) : " " + shortSha(c.aSha256())) + "\n";
    }

    private List<String[]> outcomeRows() {
        RunOutcome x = outcome.a();
        RunOutcome y = outcome.b();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"", a, b});
        rows.add(new String[] {"run", show(x.runId()), show(y.runId())});
        rows.add(new String[] {"state", show(x.state()), show(y.state())});
        rows.add(new String[] {"last step", show(x.lastStep()), show(y.lastStep())});
        rows.add(new String[] {"last loss", x.lastLoss() == null ? "-" : String.format(Locale.ROOT, "%.6g", x.lastLoss()),
                y.lastLoss() == null ? "-" : String.format(Locale.ROOT, "%.6g", y.lastLoss())});
        rows.add(new String[] {"peak GPU memory", x.peakGpuMemMib() == null ? "-" : x.peakGpuMemMib() + " MiB",
                y.peakGpuMemMib() == null ? "-" : y.peakGpuMemMib() + " MiB"});
        return rows;
    }

    private static String show(Object o) {
        return o == null ? "-" : o.toString();
    }

    private static String shortSha(String s) {
        return s == null ? "-" : s.substring(0, Math.min(12, s.length()));
    }

    @Override
    public Map<String, String> mimeBundle() {
        StringBuilder h = new StringBuilder("<div class=\"orbit-diff\"><h3>").append(TableHtml.escape(a)).append(" &rarr; ")
                .append(TableHtml.escape(b)).append(identical() ? ": no differences" : "").append("</h3>");
        if (!job.isEmpty()) table(h, "job.json", List.of("field", a, b), job.stream().map(f -> List.of(f.field(), show(f.a()), show(f.b()))).toList());
        if (!inputs.isEmpty()) table(h, "inputs", List.of("path", "change", a + " sha256", b + " sha256"), fileRows(inputs));
        if (!deps.isEmpty()) {
            table(h, "critical dependencies", List.of("name", "differs", a + " version", b + " version", a + " path", b + " path",
                    a + " files sha256", b + " files sha256"), deps.stream().map(d -> List.of(d.name(), String.join(", ", d.differs()),
                    show(d.aVersion()), show(d.bVersion()), show(d.aPath()), show(d.bPath()), show(d.aFilesSha256()), show(d.bFilesSha256()))).toList());
        }
        if (!forkFiles.isEmpty()) table(h, "fork files", List.of("path", "change", a + " sha256", b + " sha256"), fileRows(forkFiles));
        if (!upstream.isEmpty()) table(h, "upstream", List.of("component", a, b), upstream.stream().map(f -> List.of(f.field(), show(f.a()), show(f.b()))).toList());
        List<String[]> rows = outcomeRows();
        table(h, "outcome" + (outcome.differs().isEmpty() ? " (same)" : " (differs: " + String.join(", ", outcome.differs()) + ")"),
                List.of(rows.get(0)), rows.subList(1, rows.size()).stream().map(r -> List.of(r)).toList());
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

    private static List<List<String>> fileRows(List<FileChange> changes) {
        return changes.stream().map(c -> List.of(c.path(), c.change(), show(c.aSha256()), show(c.bSha256()))).toList();
    }

    private static void table(StringBuilder h, String title, List<String> head, List<List<String>> rows) {
        h.append("<h4>").append(TableHtml.escape(title)).append("</h4><table><thead><tr>");
        for (String c : head) h.append("<th>").append(TableHtml.escape(c)).append("</th>");
        h.append("</tr></thead><tbody>");
        for (List<String> r : rows) {
            h.append("<tr>");
            for (String c : r) h.append("<td>").append(TableHtml.escape(c)).append("</td>");
            h.append("</tr>");
        }
        h.append("</tbody></table>");
    }
}
