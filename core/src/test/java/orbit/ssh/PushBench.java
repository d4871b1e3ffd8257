package orbit.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Benchmark: the first push and a no-op re-push of a 1 GiB bundle (one 800 MB file and 2000 files of
 * 100 KB) over SSH on loopback, beside `rsync -a` and `scp -r` of the same tree to the same sshd in the
 * same run, and `rsync -a` once more with the cipher ORBIT's OpenSSH streams pick (rsync could use it too).
 * Each way is timed in wall seconds and in CPU seconds of both ends. It starts its own sshd (a stand-in for
 * a rented host) and removes everything it made.
 *
 * <p>Run: {@code mvn -q -pl core test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=orbit.ssh.PushBench
 * -Dexec.args="REPS [STREAMS [BIG_BYTES [SMALL_FILES [WAYS]]]]"}, WAYS a comma list of orbit, sshj, rsync, rsyncgcm, scp.
 * {@code PUSHBENCH_CPU=1} prints each run's CPU split (this JVM, the processes it ran, the host side).
 */
public final class PushBench {
    private PushBench() {}

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int streams = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        long bigBytes = args.length > 2 ? Long.parseLong(args[2]) : 800_000_000L;
        int small = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
        List<String> ways = List.of((args.length > 4 ? args[4] : "orbit,sshj,rsync,rsyncgcm,scp").split(","));
        Path work = Files.createTempDirectory("orbit-pushbench-");
        try (LoopbackSshd sshd = LoopbackSshd.start(work.resolve("sshd"))) {
            Path bundle = work.resolve("bundle");
            makeTree(bundle, bigBytes, small);
            System.out.printf("tree: 1 file of %d bytes + %d files of 100 KB; sshd on 127.0.0.1:%d; %d repetitions; cores %d%n",
                    bigBytes, small, sshd.port(), reps, Runtime.getRuntime().availableProcessors());
            // warm the JVM's crypto once, as a long-lived kernel would be
            try (Transport t = SshjTransport.connect(sshd.address(), sshd.options())) {
                t.run("true", java.time.Duration.ofSeconds(10));
            }
            String[] ssh = {"-i", sshd.clientKey().toString(), "-o", "UserKnownHostsFile=" + sshd.knownHosts(),
                    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"};
            String sshCmd = "ssh -p " + sshd.port() + " " + String.join(" ", ssh);
            Path remote = work.resolve("remote-orbit");
            Path rdest = work.resolve("remote-rsync");
            Path sdest = work.resolve("remote-scp");
            Path stateFile = bundle.resolve("runtime").resolve(ShipState.FILE);
            List<String> rsync = List.of("rsync", "-a", "-e", sshCmd, bundle + "/", "root@127.0.0.1:" + rdest + "/");
            List<String> rsyncGcm = List.of("rsync", "-a", "-e", sshCmd + " -c " + OpenSshTransport.CIPHERS.split(",")[0],
                    bundle + "/", "root@127.0.0.1:" + rdest + "/");
            List<String> scpCmd = new ArrayList<>(List.of("scp", "-q", "-r", "-P", Integer.toString(sshd.port())));
            scpCmd.addAll(List.of(ssh));
            scpCmd.addAll(List.of(bundle.toString(), "root@127.0.0.1:" + sdest));
            Bench b = new Bench(sshd.pid());
            for (int r = 0; r < reps; r++) {
                if (ways.contains("orbit")) {
                    b.clean(remote, stateFile);
                    b.time("orbit push, first (OpenSSH bulk)", () -> push(sshd, bundle, remote, streams, true));
                    b.time("orbit push, no-op (new connection)", () -> push(sshd, bundle, remote, streams, true));
                }
                if (ways.contains("sshj")) {
                    b.clean(remote, stateFile);
                    b.time("orbit push, first (sshj only)", () -> push(sshd, bundle, remote, streams, false));
                    b.time("orbit push, no-op (sshj only)", () -> push(sshd, bundle, remote, streams, false));
                }
                if (ways.contains("rsync")) {
                    b.clean(rdest, null);
                    b.time("rsync -a, first", () -> exec(rsync));
                    b.time("rsync -a, no-op", () -> exec(rsync));
                }
                if (ways.contains("rsyncgcm")) {
                    b.clean(rdest, null);
                    b.time("rsync -a, first, aes128-gcm", () -> exec(rsyncGcm));
                }
                if (ways.contains("scp")) {
                    b.clean(sdest, null);
                    b.time("scp -r", () -> exec(scpCmd));
                }
            }
            delete(remote);
            delete(rdest);
            delete(sdest);
            System.out.printf("%-36s %8s %8s   %s%n", "way", "median", "cpu", "all runs (s)");
            for (String way : List.of("orbit push, first (OpenSSH bulk)", "orbit push, first (sshj only)", "rsync -a, first",
                    "rsync -a, first, aes128-gcm", "scp -r", "orbit push, no-op (new connection)", "orbit push, no-op (sshj only)", "rsync -a, no-op")) {
                if (b.wall.containsKey(way)) row(way, b.wall.get(way), b.cpu.get(way));
            }
            System.out.println("cpu: median CPU seconds of both ends (this JVM and what it ran, the sshd and every session it forked)");
            System.out.println("reference (performance-facts): rsync first 4.6-5.0 s, rsync no-op 0.36 s, scp 6.4-6.5 s, sshj SFTP 15.4-16.4 s");
        } finally {
            delete(work);
        }
    }

    static void push(LoopbackSshd sshd, Path bundle, Path remote, int streams, boolean openSshBulk) {
        try (Transport t = SshjTransport.connect(sshd.address(), sshd.options())) {
            BundleShip ship = new BundleShip(t, bundle, remote.toString()).streams(streams);
            if (openSshBulk) ship.bulkVia(OpenSshTransport.ifAvailable(sshd.address(), sshd.options()).orElseThrow());
            ship.push();
        }
    }

    static void makeTree(Path bundle, long bigBytes, int small) throws IOException {
        Files.createDirectories(bundle.resolve("inputs/small"));
        Files.createDirectories(bundle.resolve("scripts"));
        Files.createDirectories(bundle.resolve("runtime"));
        Files.writeString(bundle.resolve("job.json"), "{\"schema_version\":\"orbit.job.v1\",\"name\":\"bench\"}\n");
        Random rnd = new Random(42);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(bundle.resolve("inputs/big.bin"))) {
            for (long left = bigBytes; left > 0; left -= block.length) {
                rnd.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, left));
            }
        }
        byte[] s = new byte[100_000];
        for (int i = 0; i < small; i++) {
            rnd.nextBytes(s);
            Files.write(bundle.resolve(String.format("inputs/small/f%04d.bin", i)), s);
        }
    }

    /**
     * CPU seconds spent on both ends: this JVM (all its threads) and the processes it reaped (ssh, rsync,
     * scp), plus every session the sshd forked and reaped (its sshd, shell, tar, dd, rsync). On a shared
     * 2-core machine wall time is noisy; this figure is what a way costs.
     */
    static double cpuSeconds(long sshdPid) {
        return ticks(Path.of("/proc/self/stat"), 14, 4) + ticks(Path.of("/proc/" + sshdPid + "/stat"), 16, 2);
    }

    private static double ticks(Path stat, int first, int count) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            long sum = 0;
            // utime 14, stime 15, cutime 16, cstime 17; the fields after "(comm) " start at field 3
            for (int i = first; i < first + count; i++) sum += Long.parseLong(f[i - 3]);
            return sum / 100.0;
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    static void exec(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException(argv.get(0) + " failed: " + out);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Comparator.naturalOrder());
        return s.get(s.size() / 2);
    }

    static void row(String name, List<Double> wall, List<Double> cpu) {
        StringBuilder all = new StringBuilder();
        for (double x : wall) all.append(String.format("%.2f ", x));
        System.out.printf("%-36s %7.2fs %7.2fs   %s%n", name, median(wall), median(cpu), all.toString().strip());
    }

    /** Wall and CPU seconds of each way, in the order they ran. */
    static final class Bench {
        final long sshdPid;
        final java.util.Map<String, List<Double>> wall = new java.util.LinkedHashMap<>();
        final java.util.Map<String, List<Double>> cpu = new java.util.LinkedHashMap<>();

        Bench(long sshdPid) {
            this.sshdPid = sshdPid;
        }

        void clean(Path dest, Path stateFile) throws IOException {
            delete(dest);
            if (stateFile != null) Files.deleteIfExists(stateFile);
        }

        void time(String way, Runnable r) {
            exec(List.of("sync")); // so no way pays for the writeback of the one timed before it
            double c0 = cpuSeconds(sshdPid);
            double j0 = ticks(Path.of("/proc/self/stat"), 14, 2), k0 = ticks(Path.of("/proc/self/stat"), 16, 2);
            long t0 = System.nanoTime();
            r.run();
            double w = (System.nanoTime() - t0) / 1e9;
            settle();
            if (System.getenv("PUSHBENCH_CPU") != null) System.out.printf("  %s: wall %.2f jvm %.2f children %.2f host %.2f%n", way, w,
                    ticks(Path.of("/proc/self/stat"), 14, 2) - j0, ticks(Path.of("/proc/self/stat"), 16, 2) - k0,
                    cpuSeconds(sshdPid) - c0 - (ticks(Path.of("/proc/self/stat"), 14, 4) - j0 - k0));
            wall.computeIfAbsent(way, k -> new ArrayList<>()).add(w);
            cpu.computeIfAbsent(way, k -> new ArrayList<>()).add(cpuSeconds(sshdPid) - c0);
        }

        /** Waits (untimed) until the sshd reaped the sessions of the way just timed, so their CPU is counted. */
        private void settle() {
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end && ProcessHandle.of(sshdPid).map(h -> h.children().findAny().isPresent()).orElse(false)) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    static void delete(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> w = Files.walk(p)) {
            for (Path x : (Iterable<Path>) w.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(x);
        }
    }

}
