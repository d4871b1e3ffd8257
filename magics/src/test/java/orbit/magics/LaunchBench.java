package orbit.magics;

import orbit.bundle.BundleRoot;
import orbit.bundle.JobSpec;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Launch overhead, in one run: the time from starting `orbit launch NAME` (a fresh JVM with the launcher's
 * options, as a person types it) to the job's first line in artifacts/training.log, beside the time from starting
 * the same program bare to its first line on stdout. Each way runs REPS times, alternating; medians are printed.
 * <pre>
 * mvn -q -o -pl magics -am test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=orbit.magics.LaunchBench -Dexec.args="5"
 * </pre>
 * {@code LaunchBench REPS PATH/bin/orbit} times an installed launcher instead (install/setup: its jars and the
 * class-data archive setup made), which is what a person runs.
 */
public final class LaunchBench {
    private static final List<String> PROGRAM = List.of("python3", "-u", "-c", "print('first line', flush=True)");
    private static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=0.05", "-Xss4m");

    private LaunchBench() {}

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String launcher = args.length > 1 ? args[1] : null;
        Path dir = Files.createTempDirectory("orbit-launchbench");
        List<Double> bare = new ArrayList<>();
        List<Double> orbit = new ArrayList<>();
        try {
            BundleRoot root = new BundleRoot(dir.resolve("bundles"));
            bare(); // warm the interpreter's files into the page cache once, untimed
            for (int i = 0; i < reps; i++) {
                bare.add(bare());
                orbit.add(orbit(root, "bench" + i, launcher));
            }
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        double b = median(bare);
        double o = median(orbit);
        System.out.printf(Locale.ROOT, "bare program to first stdout line:            median %.2f s  %s%n", b, fmt(bare));
        System.out.printf(Locale.ROOT, "orbit launch to first training.log line:      median %.2f s  %s%s%n", o, fmt(orbit),
                launcher == null ? " (test classpath)" : " (" + launcher + ")");
        System.out.printf(Locale.ROOT, "ORBIT adds: %.2f s (goal <= 1.0 s)%n", o - b);
    }

    private static double bare() throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(PROGRAM).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            if (r.readLine() == null) throw new IllegalStateException("the program printed nothing");
        }
        double took = (System.nanoTime() - t0) / 1e9;
        p.waitFor(60, TimeUnit.SECONDS);
        return took;
    }

    private static double orbit(BundleRoot root, String name, String launcher) throws Exception {
        root.create(JobSpec.builder(name, PROGRAM).python("python3").build());
        Path log = root.dir().resolve(name).resolve("artifacts").resolve("training.log");
        List<String> cmd = new ArrayList<>();
        if (launcher != null) {
            cmd.add(launcher);
        } else {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(JVM_OPTIONS);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        }
        cmd.addAll(List.of("--root", root.dir().toString(), "launch", name));
        long t0 = System.nanoTime();
        Process cli = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        while (!(Files.isRegularFile(log) && Files.size(log) > 0 && Files.readString(log).contains("\n"))) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("no training.log line within 120 s: see " + log.getParent());
            Thread.sleep(2);
        }
        double took = (System.nanoTime() - t0) / 1e9;
        cli.waitFor(60, TimeUnit.SECONDS);
        // the run ends on its own (the program exits at once); wait for it so the next rep starts on a quiet machine
        Path last = root.dir().resolve(name).resolve("runtime").resolve("last_run.json");
        while (System.nanoTime() < deadline && !Files.readString(last).matches("(?s).*\"state\": \"(succeeded|failed|precheck_failed|cancelled|lost|timeout)\".*")) {
            Thread.sleep(20);
        }
        return took;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static String fmt(List<Double> xs) {
        StringBuilder sb = new StringBuilder("[");
        for (double x : xs) sb.append(sb.length() > 1 ? " " : "").append(String.format(Locale.ROOT, "%.2f", x));
        return sb.append(']').toString();
    }
}
