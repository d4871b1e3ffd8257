package orbit.artifacts;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.BundleRoot;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What a run left behind, as tables. Reads like the question from JShell:
 * <pre>
 *   var run = Artifacts.of("my-run");        // a bundle name, or a bundle directory
 *   run.audit().samples()                     // GPU samples, one row per GPU per second
 *   run.metrics()                             // ms-swift / HF trainer metrics, kind = train|eval|end|summary
 *   run.postmortem()                          // what happened, and the likely causes with evidence
 *   run.plotGpuMemory().write(Path.of("mem.png"))
 *   Artifacts.across(List.of(a, b), Artifacts::metrics)   // several runs in one table, with a bundle column
 * </pre>
 * Works on any directory with the bundle layout (runtime/, artifacts/), e.g. one copied from a colleague.
 */
public final class Artifacts {
    public static final String AUDIT_FILE = "nvml-audit.jsonl";

    private final String name;
    private final Path dir;

    private Artifacts(String name, Path dir) {
        this.name = name;
        this.dir = dir;
    }

    public static Artifacts of(Bundle bundle) {
        return new Artifacts(bundle.name(), bundle.path());
    }

    /** A bundle directory (job.json optional: an exported runtime/ + artifacts/ is enough). */
    public static Artifacts of(Path bundleDir) {
        Path d = bundleDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d.resolve("artifacts")) && !Files.isDirectory(d.resolve("runtime"))) {
            throw new OrbitException("no bundle at " + bundleDir + " (no artifacts/ or runtime/): pass a bundle directory or name");
        }
        return new Artifacts(d.getFileName() == null ? d.toString() : d.getFileName().toString(), d);
    }

    /** A bundle name under the bundle root ({@link BundleRoot#resolve}), or a bundle directory. */
    public static Artifacts of(String nameOrPath) {
        BundleRoot root = BundleRoot.resolve(null);
        Path p = root.locate(nameOrPath);
        if (Files.isRegularFile(p.resolve(Bundle.JOB_FILE))) return of(Bundle.open(p));
        if (Files.isDirectory(p)) return of(p);
        throw new OrbitException("no bundle named " + nameOrPath + " under " + root.dir() + ": list them with `orbit bundle list`, or pass a directory");
    }

    public String name() {
        return name;
    }

    public Path dir() {
        return dir;
    }

    public Path artifactsDir() {
        return dir.resolve("artifacts");
    }

    // ---- loaders on a bundle ----

    /**
     * The GPU audit: artifacts/nvml-audit.jsonl, or an nvidia-smi CSV log in artifacts/ when there is no audit. A
     * multi-node run also has one audit per node, artifacts/nodes/NODE/nvml-audit.jsonl: then every file is read
     * into one table with a leading {@code node} column (empty for the bundle-level file), and the report names
     * each file's remarks by its path.
     */
    public Audit audit() {
        Map<String, Path> nodes = nodeAuditFiles();
        if (!nodes.isEmpty()) return multiNodeAudit(nodes);
        Path file = auditFile();
        if (file != null) return loadAudit(file);
        throw new OrbitException("no GPU audit in bundle " + name + " (no artifacts/" + AUDIT_FILE
                + "): the tracker did not run, or the bundle was not pulled (`orbit launch pull NAME`)");
    }

    private static Audit loadAudit(Path file) {
        return file.getFileName().toString().equals(AUDIT_FILE) ? AuditLoader.load(file) : NvidiaSmiCsvLoader.load(file);
    }

    /** The per-node audits of a multi-node run, by node name (sorted): artifacts/nodes/NODE/nvml-audit.jsonl. */
    public Map<String, Path> nodeAuditFiles() {
        Map<String, Path> out = new java.util.TreeMap<>();
        for (Path node : nodeDirs()) {
            Path f = node.resolve(AUDIT_FILE);
            if (Files.isRegularFile(f)) out.put(node.getFileName().toString(), f);
        }
        return out;
    }

    /** A rank's training.log of a multi-node run: artifacts/nodes/NODE/ranks/RANK/training.log. */
    public record RankLog(String node, String rank, Path file) {}

    /** Every rank's training.log under artifacts/nodes/, by node then rank (numerically where ranks are numbers). */
    public List<RankLog> rankLogs() {
        List<RankLog> out = new ArrayList<>();
        for (Path node : nodeDirs()) {
            for (Path rank : children(node.resolve("ranks"))) {
                Path f = rank.resolve("training.log");
                if (Files.isRegularFile(f)) out.add(new RankLog(node.getFileName().toString(), rank.getFileName().toString(), f));
            }
        }
        out.sort(Comparator.comparing(RankLog::node).thenComparing(r -> r.rank().matches("\\d{1,9}") ? Integer.parseInt(r.rank()) : Integer.MAX_VALUE)
                .thenComparing(RankLog::rank));
        return out;
    }

    private List<Path> nodeDirs() {
        return children(artifactsDir().resolve("nodes"));
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    /** The bundle-level audit (if any) and each node's, stacked with a leading node column. */
    private Audit multiNodeAudit(Map<String, Path> nodes) {
        Map<String, Path> files = new LinkedHashMap<>();
        Path top = auditFile();
        if (top != null) files.put("", top);
        files.putAll(nodes);
        List<Table> samples = new ArrayList<>(), events = new ArrayList<>();
        List<LoadReport> reports = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            Audit a = loadAudit(e.getValue());
            samples.add(withNode(a.samples(), e.getKey()));
            events.add(withNode(a.events(), e.getKey()));
            LoadReport r = a.report();
            reports.add(new LoadReport(dir.relativize(e.getValue()).toString(), r.lines(), r.rows(), r.corruptLines(), r.corruptLineNumbers(),
                    r.truncated(), r.warnings()));
        }
        Table s = union(samples, "nvml-audit");
        Table ev = union(events, "GPU events");
        LoadReport merged = LoadReport.merge(files.size() + " audit files", reports);
        return new Audit(s, ev, new LoadReport(merged.source(), merged.lines(), s.rowCount(), 0, List.of(), null, merged.warnings()));
    }

    /** The table with a leading node column (the table is the caller's own: it is changed, not copied). */
    static Table withNode(Table t, String node) {
        String[] names = new String[t.rowCount()];
        java.util.Arrays.fill(names, node);
        t.insertColumn(0, StringColumn.create("node", names));
        return t;
    }

    /** The GPU audit's file: artifacts/nvml-audit.jsonl, else an nvidia-smi CSV log in artifacts/; null when there is neither. */
    public Path auditFile() {
        Path jsonl = artifactsDir().resolve(AUDIT_FILE);
        if (Files.exists(jsonl)) return jsonl;
        return find(artifactsDir(), 1, p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")
                && p.getFileName().toString().toLowerCase(Locale.ROOT).contains("smi")).stream().findFirst().orElse(null);
    }

    /**
     * Training metrics: every ms-swift logging.jsonl under artifacts/checkpoints/ (a resumed run has several;
     * run_dir tells them apart), else the newest Hugging Face trainer_state.json.
     */
    public Loaded metrics() {
        List<Path> logs = loggingJsonl();
        if (!logs.isEmpty()) {
            String version = precheck().swiftVersion();
            TableBuilder rows = SwiftMetricsLoader.columns();
            List<LoadReport> reports = new ArrayList<>();
            for (Path log : logs) {
                LoadReport.Builder r = LoadReport.builder(dir.relativize(log));
                Map<String, Object> extra = new LinkedHashMap<>();
                extra.put("run_dir", log.getParent().getFileName().toString());
                SwiftMetricsLoader.read(log, version, rows, r, extra);
                reports.add(r.build());
            }
            Table t = rows.build("metrics");
            LoadReport merged = LoadReport.merge(logs.size() == 1 ? dir.relativize(logs.get(0)).toString() : logs.size() + " logging.jsonl files", reports);
            List<String> warnings = new ArrayList<>(merged.warnings());
            if (version != null) warnings.add(0, "read as ms-swift " + version + " (version recorded by the precheck)");
            return new Loaded(t, new LoadReport(merged.source(), merged.lines(), t.rowCount(), 0, List.of(), null, warnings));
        }
        Path state = trainerStateFile();
        if (state != null) return TrainerStateLoader.load(state);
        throw new OrbitException("no training metrics in bundle " + name
                + " (no artifacts/checkpoints/*/logging.jsonl or trainer_state.json): training has not logged a step yet, or the bundle was not pulled (`orbit launch pull NAME`)");
    }

    /** The newest Hugging Face trainer_state.json (of the highest checkpoint-N), as metrics. */
    public Loaded trainerState() {
        Path state = trainerStateFile();
        if (state == null) throw new OrbitException("no trainer_state.json in bundle " + name + ": it is written with each checkpoint");
        return TrainerStateLoader.load(state);
    }

    public Loaded log() {
        return TrainingLogLoader.load(artifactsDir().resolve("training.log"));
    }

    public Loaded manifest() {
        return ManifestLoader.load(artifactsDir().resolve("manifest.json"));
    }

    public RunRecord run() {
        return RunRecord.read(dir);
    }

    public PrecheckFacts precheck() {
        return PrecheckFacts.read(artifactsDir().resolve("precheck.json"));
    }

    public Postmortem postmortem() {
        return Postmortem.of(this);
    }

    // ---- plots ----

    public Plot plotGpuMemory() {
        return Plots.gpuMemory(audit().samples(), name);
    }

    public Plot plotUtilization() {
        return Plots.utilization(audit().samples(), name);
    }

    public Plot plotLoss() {
        return Plots.loss(metrics().table(), name);
    }

    // ---- static entry points by file ----

    /** A GPU audit file: orbit.nvml_audit.v1 JSON Lines, or an nvidia-smi CSV log (told apart by content). */
    public static Audit audit(Path file) {
        return looksLikeCsv(file) ? NvidiaSmiCsvLoader.load(file) : AuditLoader.load(file);
    }

    /** A metrics file: ms-swift logging.jsonl or a Hugging Face trainer_state.json. */
    public static Loaded metrics(Path file) {
        if (file.getFileName().toString().endsWith(".json")) return TrainerStateLoader.load(file);
        return SwiftMetricsLoader.load(file, null);
    }

    public static Loaded log(Path file) {
        return TrainingLogLoader.load(file);
    }

    // ---- several bundles ----

    /** The same artifact from several bundles in one table, with a leading `bundle` column. */
    public static Loaded across(Collection<Artifacts> bundles, Function<Artifacts, Loaded> artifact) {
        List<Table> tables = new ArrayList<>();
        List<LoadReport> reports = new ArrayList<>();
        for (Artifacts a : bundles) {
            Loaded l;
            try {
                l = artifact.apply(a);
            } catch (OrbitException e) {
                reports.add(new LoadReport(a.name(), 0, 0, 0, List.of(), null, List.of("skipped: " + e.getMessage())));
                continue;
            }
            Table t = l.table().copy();
            String[] names = new String[t.rowCount()];
            java.util.Arrays.fill(names, a.name());
            t.insertColumn(0, StringColumn.create("bundle", names));
            tables.add(t);
            reports.add(new LoadReport(a.name() + ": " + l.report().source(), l.report().lines(), l.report().rows(),
                    l.report().corruptLines(), l.report().corruptLineNumbers(), l.report().truncated(), l.report().warnings()));
        }
        Table all = union(tables, tables.isEmpty() ? "empty" : tables.get(0).name());
        LoadReport merged = LoadReport.merge(bundles.size() + " bundles", reports);
        return new Loaded(all, new LoadReport(merged.source(), merged.lines(), all.rowCount(), 0, List.of(), null, merged.warnings()));
    }

    public static Loaded auditAcross(Collection<Artifacts> bundles) {
        return across(bundles, a -> a.audit().loaded());
    }

    public static Loaded metricsAcross(Collection<Artifacts> bundles) {
        return across(bundles, Artifacts::metrics);
    }

    /** Stacks tables whose columns differ: missing columns are filled with missing values; clashing types become text. */
    static Table union(List<Table> tables, String name) {
        Map<String, ColumnType> types = new LinkedHashMap<>();
        for (Table t : tables) {
            for (Column<?> c : t.columns()) {
                ColumnType prev = types.putIfAbsent(c.name(), c.type());
                if (prev != null && !prev.equals(c.type())) types.put(c.name(), ColumnType.STRING);
            }
        }
        Table out = Table.create(name);
        types.forEach((n, type) -> out.addColumns(type.create(n)));
        for (Table t : tables) {
            Table shaped = Table.create(name);
            for (Map.Entry<String, ColumnType> e : types.entrySet()) {
                Column<?> c;
                if (!t.containsColumn(e.getKey())) {
                    c = e.getValue().create(e.getKey());
                    for (int i = 0; i < t.rowCount(); i++) c.appendMissing();
                } else {
                    c = t.column(e.getKey());
                    if (!c.type().equals(e.getValue())) c = c.asStringColumn().setName(e.getKey());
                }
                shaped.addColumns(c);
            }
            out.append(shaped);
        }
        return out;
    }

    // ---- where the files are ----

    List<Path> loggingJsonl() {
        Path checkpoints = artifactsDir().resolve("checkpoints");
        List<Path> found = find(checkpoints, 2, p -> p.getFileName().toString().equals("logging.jsonl"));
        if (found.isEmpty()) found = find(artifactsDir(), 1, p -> p.getFileName().toString().equals("logging.jsonl"));
        found.sort(Comparator.comparing(Path::toString));
        return found;
    }

    Path trainerStateFile() {
        List<Path> found = find(artifactsDir(), 4, p -> p.getFileName().toString().equals("trainer_state.json"));
        Map<Path, Long> step = new HashMap<>();
        for (Path p : found) {
            String parent = p.getParent().getFileName().toString();
            long s = -1;
            if (parent.startsWith("checkpoint-")) {
                try {
                    s = Long.parseLong(parent.substring("checkpoint-".length()));
                } catch (NumberFormatException ignored) {
                    // a name like checkpoint-best: rank it lowest
                }
            }
            step.put(p, s);
        }
        return found.stream().max(Comparator.comparing((Path p) -> step.get(p)).thenComparing(Path::toString)).orElse(null);
    }

    private static List<Path> find(Path dir, int depth, java.util.function.Predicate<Path> match) {
        if (!Files.isDirectory(dir)) return new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir, depth)) {
            return new ArrayList<>(s.filter(Files::isRegularFile).filter(match).toList());
        } catch (IOException | java.io.UncheckedIOException e) {
            return new ArrayList<>();
        }
    }

    private static boolean looksLikeCsv(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".csv")) return true;
        if (n.endsWith(".jsonl") || n.endsWith(".json")) return false;
        try (var in = Files.newInputStream(file)) {
            int b;
            while ((b = in.read()) == ' ' || b == '\n' || b == '\r' || b == '\t') { }
            return b != '{';
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "Artifacts[" + name + " at " + dir + "]";
    }
}
