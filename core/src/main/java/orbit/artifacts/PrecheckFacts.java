package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * artifacts/precheck.json (orbit.precheck.v1) read back: did the dependencies resolve to what was meant.
 * {@code present} is false when the file is missing (the run never got to its precheck).
 */
public record PrecheckFacts(boolean present, Boolean ok, String pythonVersion, List<Dep> deps, Boolean forkOk,
                            List<String> forkMismatches, String checkedAt, String problem, List<String> upstreamProblems) implements orbit.display.MimeBundle {

    /** A small key/value table (text and HTML), not the record's raw fields on one line. */
    @Override
    public java.util.Map<String, String> mimeBundle() {
        return orbit.display.RecordView.of(this);
    }

    @Override
    public String toString() {
        return orbit.display.RecordView.text(this);
    }

    public record Dep(String name, boolean ok, String version, String path, String error) {}

    public PrecheckFacts {
        deps = List.copyOf(deps);
        forkMismatches = List.copyOf(forkMismatches);
        upstreamProblems = upstreamProblems == null ? List.of() : List.copyOf(upstreamProblems);
    }

    /** The version the precheck found for a dependency (case and -/_ insensitive), or null. */
    public String version(String name) {
        String want = norm(name);
        for (Dep d : deps) if (norm(d.name()).equals(want)) return d.version();
        return null;
    }

    /** ms-swift's version (its import name is `swift`), used to interpret logging.jsonl. */
    public String swiftVersion() {
        String v = version("swift");
        return v != null ? v : version("ms-swift");
    }

    /** One line per thing that failed: a dependency, the fork check, or the whole precheck. */
    public List<String> failures() {
        List<String> out = new ArrayList<>();
        for (Dep d : deps) {
            if (!d.ok()) out.add("dependency " + d.name() + " failed" + (d.error() == null ? "" : ": " + d.error()));
        }
        if (Boolean.FALSE.equals(forkOk)) out.add("fork check failed" + (forkMismatches.isEmpty() ? "" : ": " + String.join("; ", forkMismatches)));
        out.addAll(upstreamProblems);
        if (Boolean.FALSE.equals(ok) && out.isEmpty()) out.add("precheck reported ok=false");
        if (problem != null) out.add(problem);
        return out;
    }

    private static String norm(String s) {
        return s.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PrecheckFacts read(Path file) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return new PrecheckFacts(false, null, null, List.of(), null, List.of(), null, null, List.of());
        } catch (IOException e) {
            return new PrecheckFacts(true, null, null, List.of(), null, List.of(), null,
                    "precheck.json unreadable: " + e.getMessage().lines().findFirst().orElse(""), List.of());
        }
        if (n == null || !n.isObject()) return new PrecheckFacts(true, null, null, List.of(), null, List.of(), null, "precheck.json is not an object", List.of());
        List<Dep> deps = new ArrayList<>();
        JsonNode ds = n.get("deps");
        if (ds != null && ds.isArray()) {
            for (JsonNode d : ds) {
                deps.add(new Dep(d.path("name").asText("?"), d.path("ok").asBoolean(false), textOrNull(d, "version"),
                        textOrNull(d, "path"), textOrNull(d, "error")));
            }
        }
        JsonNode fork = n.get("fork");
        Boolean forkOk = fork == null || fork.isNull() ? null : fork.path("ok").asBoolean(false);
        List<String> mism = new ArrayList<>();
        if (fork != null && fork.path("mismatches").isArray()) fork.path("mismatches").forEach(m -> mism.add(m.isTextual() ? m.asText() : m.toString()));
        List<String> upstream = new ArrayList<>();
        if (n.path("upstream").isArray()) {
            for (JsonNode u : n.path("upstream")) u.path("problems").forEach(m -> upstream.add(m.asText()));
        }
        JsonNode ok = n.get("ok");
        return new PrecheckFacts(true, ok == null || ok.isNull() ? null : ok.asBoolean(), textOrNull(n.path("python"), "version"),
                deps, forkOk, mism, textOrNull(n, "checked_at"), null, upstream);
    }

    private static String textOrNull(JsonNode n, String k) {
        JsonNode v = n == null ? null : n.get(k);
        return v == null || v.isNull() || v.isMissingNode() ? null : v.asText();
    }
}
