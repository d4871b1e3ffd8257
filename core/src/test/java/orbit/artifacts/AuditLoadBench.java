package orbit.artifacts;

import com.fasterxml.jackson.core.JsonParser;
import orbit.nvml.AuditSchema;
import orbit.nvml.AuditWriter;
import orbit.nvml.ClockReasons;
import orbit.nvml.GpuEvent;
import orbit.nvml.GpuSample;
import orbit.nvml.GpuSnapshot;
import orbit.nvml.HostMemory;
import com.fasterxml.jackson.core.JsonToken;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.jsonl.JsonlReadOptions;
import tech.tablesaw.io.jsonl.JsonlReader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark: loading a GPU audit (default 8 GPUs x 24 h x 1 Hz = 691,200 lines, about 422 MB).
 * Generates the file through {@link AuditWriter} (the recorder's own line shape), then loads it four ways, each in its own process so peak memory is its own:
 * this loader, Tablesaw's JsonlReader, pandas.read_json(lines=True) and a bare Jackson streaming pass.
 * <pre>
 *   mvn -q -pl core -Pbench test-compile exec:exec                         # the full day
 *   mvn -q -pl core -Pbench test-compile exec:exec -Dbench.args="--hours 1" # a quick run
 * </pre>
 * Flags: --hours H, --gpus G, --file PATH (reuse a file instead of generating), --out PATH (generate there and keep it),
 * --repeats N (rounds of every way, interleaved; medians reported), --skip WAY,... (orbit, orbit-process, bare, tablesaw-init, tablesaw, pandas),
 * --python PATH (default /usr/bin/python3, which has Debian's pandas),
 * --jvm "OPTIONS" (JVM options for every Java way; "launcher" for those the orbit launcher and the kernel use),
 * --orbit PATH (an installed launcher, PATH/bin/orbit of install/setup --prefix: also times the real
 * `orbit artifacts audit FILE` process, output discarded; its options and class-data archive are the install's).
 */
public final class AuditLoadBench {
    private static final String PANDAS = String.join("\n",
            "import sys, time",
            "import pandas as pd",
            "t = time.perf_counter()",
            "c = time.process_time()",
            "df = pd.read_json(sys.argv[1], lines=True)",
            "dt = time.perf_counter() - t",
            "dc = time.process_time() - c",
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]",
            "print('RESULT way=pandas cold_ms=%d cpu_ms=%d warm_ms=-1 rows=%d heap_mb=-1 rss_mb=%d version=%s' % (dt * 1000, dc * 1000, len(df), int(hwm) // 1024, pd.__version__))");

    /**
     * Runs a command with its output discarded and prints its wall time, its CPU (user and system) and its peak RSS:
     * the installed launcher execs the JVM, so the child the wrapper waits for is the JVM itself.
     */
    private static final String COMMAND = String.join("\n",
            "import resource, subprocess, sys, time",
            "t = time.perf_counter()",
            "rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)",
            "dt = time.perf_counter() - t",
            "ru = resource.getrusage(resource.RUSAGE_CHILDREN)",
            "if rc != 0: sys.exit('exit %d' % rc)",
            "print('RESULT way=orbit-installed once=1 cold_ms=%d cpu_ms=%d warm_ms=-1 rows=-1 heap_mb=-1 rss_mb=%d' % (dt * 1000, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss // 1024))");

    /** What install/setup's orbit launcher and install/orbit-kernel start the JVM with. */
    static final List<String> LAUNCHER_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    /** Every way, in the order each round runs them; Tablesaw's reader only in the first round (it takes minutes). */
    static final List<String> WAYS = List.of("orbit-installed", "orbit-process", "pandas", "orbit", "bare", "tablesaw-init", "tablesaw");

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        if (opt.containsKey("way")) {
            child(opt.get("way"), Path.of(opt.get("file")));
            return;
        }
        int hours = Integer.parseInt(opt.getOrDefault("hours", "24"));
        int gpus = Integer.parseInt(opt.getOrDefault("gpus", "8"));
        int repeats = Integer.parseInt(opt.getOrDefault("repeats", "3"));
        String python = opt.getOrDefault("python", "/usr/bin/python3");
        List<String> skip = new ArrayList<>(List.of(opt.getOrDefault("skip", "").split(",")));
        String orbit = opt.get("orbit"); // an installed launcher: the command a person runs, timed whole
        if (orbit == null) skip.add("orbit-installed");
        else if (!Files.isExecutable(Path.of(orbit))) throw new IllegalArgumentException("--orbit " + orbit + ": not an executable launcher (install one with install/setup --prefix DIR, then pass DIR/bin/orbit)");
        // the same JVM options for every Java way: "launcher" means those the orbit launcher and the kernel run with.
        // Without --jvm the one-load process runs with the launcher's options (it stands for `orbit artifacts audit`,
        // which the launcher starts) and the other Java ways with the JVM's defaults.
        String jvmOpt = opt.getOrDefault("jvm", "");
        List<String> jvm = jvmOpt.equals("launcher") ? LAUNCHER_JVM
                : jvmOpt.isBlank() ? List.of() : List.of(jvmOpt.trim().split("\\s+"));
        Path tmp = null;
        Path file;
        if (opt.containsKey("file")) {
            file = Path.of(opt.get("file"));
        } else {
            if (opt.containsKey("out")) {
                file = Path.of(opt.get("out")); // generated there and kept, for reuse with --file
            } else {
                tmp = Files.createTempDirectory("orbit-audit-bench");
                file = tmp.resolve("nvml-audit.jsonl");
            }
            long t0 = System.nanoTime();
            long lines = generate(file, gpus, hours * 3600);
            System.out.printf(Locale.ROOT, "generated %,d lines (%d GPUs x %d h x 1 Hz), %.0f MB in %.1f s: %s%n", lines, gpus, hours,
                    Files.size(file) / 1e6, (System.nanoTime() - t0) / 1e9, file);
        }
        System.out.println("each way runs in its own process, the ways interleaved, " + repeats + " rounds (Tablesaw's reader in the first only);"
                + " java ways: first load in a fresh JVM (cold), then best of 4 more (warm); "
                + (jvm.isEmpty() ? "JVM defaults, the one-load process with the launcher's options (" + String.join(" ", LAUNCHER_JVM) + ")"
                        : "JVM options " + String.join(" ", jvm) + " for every java way"));
        List<Map<String, Map<String, String>>> rounds = new ArrayList<>();
        String testCp = System.getProperty("java.class.path");
        String runtimeCp = runtimeClassPath(testCp);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            for (int round = 1; round <= repeats; round++) {
                System.out.println("round " + round + ":");
                Map<String, Map<String, String>> results = new LinkedHashMap<>();
                for (String way : WAYS) {
                    if (skip.contains(way) || (way.equals("tablesaw") && round > 1)) continue;
                    List<String> cmd = new ArrayList<>();
                    if (way.equals("pandas")) {
                        cmd.addAll(List.of(python, "-c", PANDAS, file.toString()));
                    } else if (way.equals("orbit-installed")) {
                        // `orbit artifacts audit FILE` loads every row and prints the first rows and the load's summary
                        cmd.addAll(List.of(python, "-c", COMMAND, orbit, "artifacts", "audit", file.toString()));
                    } else {
                        cmd.addAll(List.of(java, way.equals("tablesaw") ? "-Xmx8g" : "-Xmx1g"));
                        cmd.addAll(jvm.isEmpty() && way.equals("orbit-process") ? LAUNCHER_JVM : jvm);
                        // Tablesaw's JSON reader (test scope) only where it is measured: the CLI and the kernel do not have it
                        cmd.addAll(List.of("-cp", way.equals("tablesaw") ? testCp : runtimeCp, AuditLoadBench.class.getName(),
                                "--way", way, "--file", file.toString()));
                    }
                    String load = loadAverage();
                    long started = System.nanoTime();
                    Map<String, String> r = runChild(way, cmd);
                    r.put("process_ms", String.valueOf((System.nanoTime() - started) / 1_000_000)); // the whole process, JVM start included
                    r.put("loadavg", load);
                    results.put(way, r);
                    System.out.println("  " + way + " (load average " + load + "): " + (r.containsKey("error") ? "FAILED " + r.get("error") : describe(r)));
                }
                rounds.add(results);
            }
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(tmp);
            }
        }
        report(rounds);
    }

    /** The class path less the jars only Tablesaw's JSON reader needs (test scope: never on the CLI's or the kernel's). */
    static String runtimeClassPath(String cp) {
        List<String> kept = new ArrayList<>();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            String name = Path.of(e).getFileName() == null ? "" : Path.of(e).getFileName().toString();
            if (!name.startsWith("tablesaw-json") && !name.startsWith("json-flattener")) kept.add(e);
        }
        return String.join(java.io.File.pathSeparator, kept);
    }

    /** The 1-minute load average, as the machine's other work stood when a way started. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static String describe(Map<String, String> r) {
        if (r.get("way") != null && r.get("way").equals("orbit-installed")) return String.format(Locale.ROOT,
                "the installed `orbit artifacts audit` process %s ms (its CPU %s ms), peak RSS %s MB", r.get("cold_ms"), r.get("cpu_ms"), r.get("rss_mb"));
        if (r.containsKey("once")) return String.format(Locale.ROOT, "one load in a fresh JVM, the whole process (JVM start and exit included) %s ms"
                + " (its CPU from start to the end of the load %s ms), load %s ms (process CPU %s ms), peak RSS %s MB",
                r.get("process_ms"), r.get("process_cpu_ms"), r.get("cold_ms"), r.get("cpu_ms"), r.get("rss_mb"));
        if (r.get("rows").equals("0")) return String.format(Locale.ROOT, "Table class init in a fresh JVM %s ms, process CPU %s ms", r.get("cold_ms"), r.get("cpu_ms"));
        return String.format(Locale.ROOT, "cold %s ms%s, warm %s ms, %s rows, peak heap %s MB, peak RSS %s MB%s",
                r.get("cold_ms"), r.containsKey("cpu_ms") ? " (CPU " + r.get("cpu_ms") + " ms)" : "", r.get("warm_ms").equals("-1") ? "-" : r.get("warm_ms"), r.get("rows"),
                r.get("heap_mb").equals("-1") ? "-" : r.get("heap_mb"), r.get("rss_mb"),
                r.containsKey("version") ? " (pandas " + r.get("version") + ")" : "");
    }

    /** A figure of one way in one round, or NaN when that way failed or did not run. */
    private static double fig(Map<String, Map<String, String>> round, String way, String key) {
        Map<String, String> r = round.get(way);
        if (r == null || r.containsKey("error") || !r.containsKey(key) || r.get(key).equals("-1")) return Double.NaN;
        return Double.parseDouble(r.get(key));
    }

    /** Each round's value (NaN where it could not be computed is left out), then their median. */
    static double median(List<Double> values) {
        double[] v = values.stream().filter(d -> !d.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    interface PerRound {
        double of(Map<String, Map<String, String>> round);
    }

    /** "median (each round's values)" of a figure computed within each round, so both sides of a ratio share a round. */
    private static double perRound(List<Map<String, Map<String, String>>> rounds, PerRound f, StringBuilder each) {
        List<Double> v = new ArrayList<>();
        for (Map<String, Map<String, String>> r : rounds) {
            double x = f.of(r);
            v.add(x);
            if (!Double.isNaN(x)) each.append(each.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", x));
        }
        return median(v);
    }

    private static void goal(String name, List<Map<String, Map<String, String>>> rounds, PerRound f, String unit, boolean atLeast, double bound) {
        StringBuilder each = new StringBuilder();
        double m = perRound(rounds, f, each);
        if (Double.isNaN(m)) {
            System.out.printf(Locale.ROOT, "%-48s not measured%n", name);
            return;
        }
        String verdict = Double.isNaN(bound) ? "" : (atLeast ? m >= bound : m <= bound) ? "met" : "NOT met";
        System.out.printf(Locale.ROOT, "%-48s median %8.2f%s (rounds: %s)  %s%n", name, m, unit, each, verdict);
    }

    private static void report(List<Map<String, Map<String, String>>> rounds) {
        System.out.println();
        System.out.println("medians over the rounds:");
        for (String way : WAYS) {
            for (String key : List.of("process_ms", "process_cpu_ms", "cold_ms", "cpu_ms", "warm_ms", "rss_mb")) {
                List<Double> v = new ArrayList<>();
                for (Map<String, Map<String, String>> r : rounds) v.add(fig(r, way, key));
                double m = median(v);
                if (!Double.isNaN(m) && !(key.startsWith("process") && !way.equals("orbit-process"))) {
                    System.out.printf(Locale.ROOT, "  %-15s %-10s %10.0f%n", way, key, m);
                }
            }
        }
        List<Double> loads = new ArrayList<>();
        for (Map<String, Map<String, String>> r : rounds) {
            for (Map<String, String> w : r.values()) {
                try {
                    loads.add(Double.parseDouble(w.get("loadavg")));
                } catch (RuntimeException e) {
                    // "?" where /proc/loadavg could not be read
                }
            }
        }
        System.out.printf(Locale.ROOT, "  load average when the ways started: median %.2f, %.2f to %.2f%n", median(loads),
                loads.stream().mapToDouble(d -> d).min().orElse(Double.NaN), loads.stream().mapToDouble(d -> d).max().orElse(Double.NaN));
        System.out.println();
        System.out.println("goals (each ratio taken within one round, then the median of the rounds):");
        goal("installed `orbit artifacts audit` >= 10x pandas", rounds, r -> fig(r, "pandas", "cold_ms") / fig(r, "orbit-installed", "cold_ms"), "x", true, 10);
        goal("  its peak RSS <= 1 GB", rounds, r -> fig(r, "orbit-installed", "rss_mb"), " MB", false, 1024);
        goal("  pandas' CPU vs its CPU (no goal)", rounds, r -> fig(r, "pandas", "cpu_ms") / fig(r, "orbit-installed", "cpu_ms"), "x", true, Double.NaN);
        goal("whole cold one-load process >= 10x pandas", rounds, r -> fig(r, "pandas", "cold_ms") / fig(r, "orbit-process", "process_ms"), "x", true, 10);
        goal("  cold load (JVM going on) vs pandas", rounds, r -> fig(r, "pandas", "cold_ms") / fig(r, "orbit", "cold_ms"), "x", true, 10);
        goal("cold peak RSS <= 1 GB (one-load process)", rounds, r -> fig(r, "orbit-process", "rss_mb"), " MB", false, 1024);
        goal("warm >= 15x faster than Tablesaw's reader", rounds, r -> fig(r, "tablesaw", "cold_ms") / fig(r, "orbit", "warm_ms"), "x", true, 15);
        goal("warm <= 1.0x the bare Jackson pass", rounds, r -> fig(r, "orbit", "warm_ms") / fig(r, "bare", "warm_ms"), "x", false, 1.0);
        goal("  cold vs the bare pass (no goal)", rounds, r -> fig(r, "orbit", "cold_ms") / fig(r, "bare", "cold_ms"), "x", false, Double.NaN);
        goal("  first load's process CPU vs the bare pass's", rounds, r -> fig(r, "orbit", "cpu_ms") / fig(r, "bare", "cpu_ms"), "x", false, Double.NaN);
        goal("  pandas' CPU vs the whole process's CPU (no goal)", rounds, r -> fig(r, "pandas", "cpu_ms") / fig(r, "orbit-process", "process_cpu_ms"), "x", true, Double.NaN);
    }

    private static Map<String, String> runChild(String way, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<String, String> r = new LinkedHashMap<>();
        StringBuilder tail = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    for (String kv : line.substring(7).split(" ")) {
                        int eq = kv.indexOf('=');
                        if (eq > 0) r.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                } else {
                    tail.append(line).append('\n');
                    if (tail.length() > 2000) tail.delete(0, tail.length() - 2000);
                }
            }
        }
        int code = p.waitFor();
        if (code != 0 || !r.containsKey("cold_ms")) r.put("error", "exit " + code + ": " + tail.toString().strip().replace('\n', ' '));
        return r;
    }

    // ---- child side: one way, in a fresh process ----

    private static void child(String way, Path file) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long rows = load(way, file);
        long cold = (System.nanoTime() - t0) / 1_000_000;
        long cpu = (os.getProcessCpuTime() - c0) / 1_000_000; // all threads: JIT, GC, Tablesaw's scan workers
        if (way.equals("orbit-process")) { // what `orbit artifacts audit` pays: one load, then the process ends
            // and the CPU of the whole process so far, JVM start included: against pandas' CPU, a ratio the machine's load moves little
            long whole = os.getProcessCpuTime() / 1_000_000;
            System.out.println("RESULT way=" + way + " once=1 cold_ms=" + cold + " cpu_ms=" + cpu + " process_cpu_ms=" + whole + " warm_ms=-1 rows=" + rows
                    + " heap_mb=-1 rss_mb=" + vmHwmMb());
            return;
        }
        if (way.startsWith("tablesaw-init")) {
            System.out.println("RESULT way=" + way + " cold_ms=" + cold + " cpu_ms=" + cpu + " warm_ms=-1 rows=0 heap_mb=-1 rss_mb=" + vmHwmMb());
            return;
        }
        long heap = peakHeapMb();
        long warm = -1;
        if (!way.equals("tablesaw")) { // Tablesaw's reader takes long enough that one load says it
            for (int i = 0; i < 4; i++) { // best of 4: the figure moves with whatever else runs on the machine
                long t = System.nanoTime();
                load(way, file);
                long ms = (System.nanoTime() - t) / 1_000_000;
                warm = warm < 0 ? ms : Math.min(warm, ms);
            }
        }
        System.out.println("RESULT way=" + way + " cold_ms=" + cold + " cpu_ms=" + cpu + " warm_ms=" + warm + " rows=" + rows + " heap_mb=" + heap + " rss_mb=" + vmHwmMb());
    }

    private static long load(String way, Path file) throws IOException {
        switch (way) {
            case "orbit", "orbit-process": {
                Audit a = AuditLoader.load(file);
                return a.samples().rowCount() + a.events().rowCount();
            }
            case "tablesaw": {
                Table t = new JsonlReader().read(JsonlReadOptions.builder(file.toFile()).build());
                return t.rowCount();
            }
            case "bare":
                return bare(file);
            case "tablesaw-init": // Tablesaw's one-off first use as the loader makes it (its class-path scan narrowed)
                TablesawFirstUse.run();
                return Table.create("first-use").rowCount();
            case "tablesaw-init-full": // the same without narrowing: ClassGraph scans every jar of the class path
                return Table.create("first-use").rowCount();
            default:
                throw new IllegalArgumentException(way);
        }
    }

    /**
     * The floor: one Jackson streaming parser over the file (the loader's own factory settings), reading every
     * field name and every value (numbers parsed, strings decoded), building nothing.
     */
    static long bare(Path file) throws IOException {
        long lines = 0;
        long sink = 0;
        try (InputStream in = Files.newInputStream(file); JsonParser p = JsonLinesScanner.FACTORY.createParser(in)) {
            JsonToken t;
            int depth = 0;
            while ((t = p.nextToken()) != null) {
                switch (t) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> {
                        if (--depth == 0) lines++;
                    }
                    case VALUE_NUMBER_INT -> sink += p.getLongValue();
                    case VALUE_NUMBER_FLOAT -> sink += (long) p.getDoubleValue();
                    case FIELD_NAME -> sink += p.currentName().length();
                    case VALUE_STRING -> sink += p.getTextLength();
                    case VALUE_TRUE -> sink++;
                    default -> { }
                }
            }
        }
        if (sink == 42) System.out.print(""); // keeps the JIT from dropping the work
        return lines;
    }

    /** The sum of each heap pool's peak: an upper bound on the peak heap in use. */
    private static long peakHeapMb() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) sum += pool.getPeakUsage().getUsed();
        }
        return sum >> 20;
    }

    private static long vmHwmMb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
        }
        return -1;
    }

    // ---- the file ----

    /**
     * Writes a realistic audit through {@link AuditWriter}, so its lines have exactly the recorder's shape (every key
     * of the schema, the host's memory included): every GPU every second, memory ramps and steps, a power cap now and
     * then. The file is replaced.
     */
    static long generate(Path file, int gpus, int seconds) throws IOException {
        Instant start = Instant.parse("2026-11-27T18:00:00Z");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        Files.deleteIfExists(file);
        double[] energy = new double[gpus];
        try (AuditWriter w = AuditWriter.open(file, "gpu-box-01")) {
            w.write(new GpuEvent(start, GpuEvent.SAMPLER_START, null, "nvml", null,
                    Map.of("schema_version", AuditSchema.NAME, "interval_ms", 1000)));
            List<GpuSample> snapshot = new ArrayList<>(gpus);
            for (int s = 0; s < seconds; s++) {
                Instant ts = start.plusSeconds(s).plusMillis(rnd.nextInt(1000));
                snapshot.clear();
                for (int g = 0; g < gpus; g++) {
                    int util = 85 + rnd.nextInt(16);
                    long mem = 60000 + (s % 3600) * 4 + rnd.nextInt(200);
                    double power = 550 + rnd.nextDouble() * 150;
                    energy[g] += power;
                    long reasons = rnd.nextInt(20) == 0 ? 4 : 0;
                    int sm = 1755 + rnd.nextInt(225);
                    snapshot.add(new GpuSample(g, "GPU-3f9a7c21-5b6e-4d8a-9c0f-1e2d3c4b5a6" + g, "NVIDIA H100 80GB HBM3",
                            String.format(Locale.ROOT, "00000000:%02X:00.0", 0x18 + g), util, util / 2, mem, 81559L, 81559L - mem,
                            60 + rnd.nextInt(20), Math.round(power * 100) / 100.0, 700.0, Math.round(energy[g] * 10) / 10.0,
                            sm, 2619, sm, reasons, ClockReasons.names(reasons), 0L, 0L, (long) rnd.nextInt(900000),
                            (long) rnd.nextInt(900000), 0L, "P0", List.of(new GpuSample.GpuProcess(41230 + g, mem - 500)), "nvml", Map.of()));
                }
                w.write(new GpuSnapshot(ts, "nvml", snapshot), new HostMemory(2_063_601L, 1_700_000L - (s % 3600) * 10L - rnd.nextInt(5000)));
            }
            return w.lines();
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--") && i + 1 < args.length) m.put(args[i].substring(2), args[++i]);
            else throw new IllegalArgumentException("usage: AuditLoadBench [--hours H] [--gpus G] [--file PATH] [--repeats N] [--skip way,...] [--python PATH] [--jvm OPTIONS|launcher] [--orbit PATH/bin/orbit]");
        }
        return m;
    }
}
