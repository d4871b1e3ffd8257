package orbit.artifacts;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.jsonl.JsonlReadOptions;
import tech.tablesaw.io.jsonl.JsonlReader;

import java.io.BufferedReader;
import java.io.BufferedWriter;
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
 * Benchmark: loading a GPU audit (default 8 GPUs x 24 h x 1 Hz = 691,200 lines, about 257 MB).
 * Generates the file, then loads it four ways, each in its own process so peak memory is its own:
 * this loader, Tablesaw's JsonlReader, pandas.read_json(lines=True) and a bare Jackson streaming pass.
 * <pre>
 *   mvn -q -pl core -Pbench test-compile exec:exec                         # the full day
 *   mvn -q -pl core -Pbench test-compile exec:exec -Dbench.args="--hours 1" # a quick run
 * </pre>
 * Flags: --hours H, --gpus G, --file PATH (reuse a file instead of generating), --out PATH (generate there and keep it),
 * --skip WAY,... (orbit, bare, tablesaw-init, tablesaw, pandas),
 * --python PATH (default /usr/bin/python3, which has Debian's pandas),
 * --jvm "OPTIONS" (JVM options for every Java way; "launcher" for those the orbit launcher and the kernel use).
 */
public final class AuditLoadBench {
    private static final String PANDAS = String.join("\n",
            "import sys, time",
            "import pandas as pd",
            "t = time.perf_counter()",
            "df = pd.read_json(sys.argv[1], lines=True)",
            "dt = time.perf_counter() - t",
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]",
            "print('RESULT way=pandas cold_ms=%d warm_ms=-1 rows=%d heap_mb=-1 rss_mb=%d version=%s' % (dt * 1000, len(df), int(hwm) // 1024, pd.__version__))");

    /** What install/setup's orbit launcher and install/orbit-kernel start the JVM with. */
    static final List<String> LAUNCHER_JVM = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        if (opt.containsKey("way")) {
            child(opt.get("way"), Path.of(opt.get("file")));
            return;
        }
        int hours = Integer.parseInt(opt.getOrDefault("hours", "24"));
        int gpus = Integer.parseInt(opt.getOrDefault("gpus", "8"));
        String python = opt.getOrDefault("python", "/usr/bin/python3");
        List<String> skip = List.of(opt.getOrDefault("skip", "").split(","));
        // the same JVM options for every Java way: "launcher" means those the orbit launcher and the kernel run with
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
        System.out.println("each way runs in its own process; java ways: first load in a fresh JVM (cold), then best of 4 more (warm); "
                + (jvm.isEmpty() ? "JVM defaults" : "JVM options " + String.join(" ", jvm)) + " for every java way");
        Map<String, Map<String, String>> results = new LinkedHashMap<>();
        String cp = System.getProperty("java.class.path");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            for (String way : List.of("orbit", "bare", "tablesaw-init", "tablesaw", "pandas")) {
                if (skip.contains(way)) continue;
                List<String> cmd = new ArrayList<>();
                if (way.equals("pandas")) {
                    cmd.addAll(List.of(python, "-c", PANDAS, file.toString()));
                } else {
                    cmd.addAll(List.of(java, way.equals("tablesaw") ? "-Xmx8g" : "-Xmx1g"));
                    cmd.addAll(jvm);
                    cmd.addAll(List.of("-cp", cp, AuditLoadBench.class.getName(), "--way", way, "--file", file.toString()));
                }
                Map<String, String> r = runChild(way, cmd);
                results.put(way, r);
                System.out.println("  " + way + ": " + (r.containsKey("error") ? "FAILED " + r.get("error") : describe(r)));
            }
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(file);
                Files.deleteIfExists(tmp);
            }
        }
        report(results);
    }

    private static String describe(Map<String, String> r) {
        if (r.get("rows").equals("0")) return String.format(Locale.ROOT, "Table class init in a fresh JVM %s ms, process CPU %s ms", r.get("cold_ms"), r.get("cpu_ms"));
        return String.format(Locale.ROOT, "cold %s ms%s, warm %s ms, %s rows, peak heap %s MB, peak RSS %s MB%s",
                r.get("cold_ms"), r.containsKey("cpu_ms") ? " (process CPU " + r.get("cpu_ms") + " ms)" : "", r.get("warm_ms").equals("-1") ? "-" : r.get("warm_ms"), r.get("rows"),
                r.get("heap_mb").equals("-1") ? "-" : r.get("heap_mb"), r.get("rss_mb"),
                r.containsKey("version") ? " (pandas " + r.get("version") + ")" : "");
    }

    private static void report(Map<String, Map<String, String>> res) {
        Map<String, String> o = res.get("orbit");
        if (o == null || o.containsKey("error")) return;
        double cold = Double.parseDouble(o.get("cold_ms"));
        double warm = Double.parseDouble(o.get("warm_ms"));
        System.out.println();
        System.out.println("goal                                   measured (cold | warm)          met?");
        ratio(res, "pandas", "at least 5x faster than pandas", cold, warm, 5, true);
        ratio(res, "tablesaw", "at least 15x faster than Tablesaw reader", cold, warm, 15, true);
        Map<String, String> b = res.get("bare");
        if (b != null && !b.containsKey("error")) {
            double bc = Double.parseDouble(b.get("cold_ms")), bw = Double.parseDouble(b.get("warm_ms"));
            System.out.printf(Locale.ROOT, "%-38s %5.2fx | %5.2fx of the bare pass     %s%n", "within 1.5x of the bare Jackson pass",
                    cold / bc, warm / bw, (cold / bc <= 1.5 ? "cold yes" : "cold no") + ", " + (warm / bw <= 1.5 ? "warm yes" : "warm no"));
            if (o.containsKey("cpu_ms") && b.containsKey("cpu_ms")) {
                double oc = Double.parseDouble(o.get("cpu_ms")), bcpu = Double.parseDouble(b.get("cpu_ms"));
                Map<String, String> ti = res.get("tablesaw-init");
                String init = ti == null || ti.containsKey("error") ? "" : String.format(Locale.ROOT,
                        "; less Tablesaw's first use (%s ms CPU) %.2fx", ti.get("cpu_ms"), (oc - Double.parseDouble(ti.get("cpu_ms"))) / bcpu);
                System.out.printf(Locale.ROOT, "%-38s %5.2fx of the bare pass's process CPU%s%n", "  first load, CPU of all threads", oc / bcpu, init);
            }
        }
        double heap = Double.parseDouble(o.get("heap_mb"));
        System.out.printf(Locale.ROOT, "%-38s peak heap %.0f MB (-Xmx1g), RSS %s MB   %s%n", "under 1 GB of heap", heap, o.get("rss_mb"), heap < 1024 ? "yes" : "no");
    }

    private static void ratio(Map<String, Map<String, String>> res, String way, String goal, double cold, double warm, double want, boolean faster) {
        Map<String, String> r = res.get(way);
        if (r == null || r.containsKey("error")) {
            System.out.printf(Locale.ROOT, "%-38s not measured%n", goal);
            return;
        }
        double other = Double.parseDouble(r.get("cold_ms"));
        System.out.printf(Locale.ROOT, "%-38s %5.1fx | %5.1fx (%s %.0f ms)     %s%n", goal, other / cold, other / warm, way, other,
                (other / cold >= want ? "cold yes" : "cold no") + ", " + (other / warm >= want ? "warm yes" : "warm no"));
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
        if (way.equals("tablesaw-init")) {
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
            case "orbit": {
                Audit a = AuditLoader.load(file);
                return a.samples().rowCount() + a.events().rowCount();
            }
            case "tablesaw": {
                Table t = new JsonlReader().read(JsonlReadOptions.builder(file.toFile()).build());
                return t.rowCount();
            }
            case "bare":
                return bare(file);
            case "tablesaw-init": // Tablesaw's one-off first use: Table's static init scans the class path for readers and writers
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

    /** Writes a realistic audit: every GPU every second, memory ramps and steps, a power cap now and then. */
    static long generate(Path file, int gpus, int seconds) throws IOException {
        Instant start = Instant.parse("2026-11-27T18:00:00Z");
        long lines = 0;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            w.write("{\"ts\":\"" + start + "\",\"host\":\"gpu-box-01\",\"event\":\"sampler_start\",\"source\":\"nvml\"}\n");
            StringBuilder sb = new StringBuilder(512);
            double[] energy = new double[gpus];
            for (int s = 0; s < seconds; s++) {
                String ts = start.plusSeconds(s).toString();
                ts = ts.substring(0, ts.length() - 1) + "." + String.format(Locale.ROOT, "%03d", rnd.nextInt(1000)) + "Z";
                for (int g = 0; g < gpus; g++) {
                    int util = 85 + rnd.nextInt(16);
                    int mem = 60000 + (s % 3600) * 4 + rnd.nextInt(200);
                    double power = 550 + rnd.nextDouble() * 150;
                    energy[g] += power;
                    boolean cap = rnd.nextInt(20) == 0;
                    sb.setLength(0);
                    sb.append("{\"ts\":\"").append(ts).append("\",\"host\":\"gpu-box-01\",\"gpu\":").append(g)
                            .append(",\"uuid\":\"GPU-3f9a7c21-5b6e-4d8a-9c0f-1e2d3c4b5a6").append(g)
                            .append("\",\"name\":\"NVIDIA H100 80GB HBM3\",\"util_gpu\":").append(util)
                            .append(",\"util_mem\":").append(util / 2).append(",\"mem_used_mib\":").append(mem)
                            .append(",\"mem_total_mib\":81559,\"temp_c\":").append(60 + rnd.nextInt(20))
                            .append(",\"power_w\":").append(Math.round(power * 100) / 100.0)
                            .append(",\"power_limit_w\":700.0,\"energy_j\":").append(Math.round(energy[g] * 10) / 10.0)
                            .append(",\"sm_clock_mhz\":").append(1755 + rnd.nextInt(225)).append(",\"mem_clock_mhz\":2619")
                            .append(",\"throttle_reasons\":").append(cap ? 4 : 0)
                            .append(",\"throttle_reason_names\":").append(cap ? "[\"sw_power_cap\"]" : "[]")
                            .append(",\"ecc_corrected\":0,\"ecc_uncorrected\":0,\"pcie_tx_kbps\":").append(rnd.nextInt(900000))
                            .append(",\"pcie_rx_kbps\":").append(rnd.nextInt(900000))
                            .append(",\"pstate\":\"P0\",\"procs\":[{\"pid\":").append(41230 + g).append(",\"mem_mib\":").append(mem - 500)
                            .append("}],\"source\":\"nvml\"}\n");
                    w.append(sb);
                    lines++;
                }
            }
        }
        return lines + 1;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--") && i + 1 < args.length) m.put(args[i].substring(2), args[++i]);
            else throw new IllegalArgumentException("usage: AuditLoadBench [--hours H] [--gpus G] [--file PATH] [--skip way,...] [--python PATH] [--jvm OPTIONS|launcher]");
        }
        return m;
    }
}
