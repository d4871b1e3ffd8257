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
 * same run. It starts its own sshd (a stand-in for a rented host) and removes everything it made.
 *
 * <p>Run: {@code mvn -q -pl core exec:java -Dexec.mainClass=orbit.ssh.PushBench [-Dexec.args="REPS STREAMS"]}
 */
public final class PushBench {
    private PushBench() {}

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int streams = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        long bigBytes = args.length > 2 ? Long.parseLong(args[2]) : 800_000_000L;
        int small = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
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
            List<Double> orbitFirst = new ArrayList<>(), orbitNoop = new ArrayList<>();
            List<Double> sshjFirst = new ArrayList<>(), sshjNoop = new ArrayList<>();
            List<Double> rsyncFirst = new ArrayList<>(), rsyncNoop = new ArrayList<>(), scp = new ArrayList<>();
            String[] ssh = {"-i", sshd.clientKey().toString(), "-o", "UserKnownHostsFile=" + sshd.knownHosts(),
                    "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"};
            for (int r = 0; r < reps; r++) {
                Path remote = work.resolve("remote-orbit");
                delete(remote);
                Files.deleteIfExists(bundle.resolve("runtime").resolve(ShipState.FILE));
                orbitFirst.add(time(() -> push(sshd, bundle, remote, streams, true)));
                orbitNoop.add(time(() -> push(sshd, bundle, remote, streams, true)));
                delete(remote);
                Files.deleteIfExists(bundle.resolve("runtime").resolve(ShipState.FILE));
                sshjFirst.add(time(() -> push(sshd, bundle, remote, streams, false)));
                sshjNoop.add(time(() -> push(sshd, bundle, remote, streams, false)));

                Path rdest = work.resolve("remote-rsync");
                delete(rdest);
                String sshCmd = "ssh -p " + sshd.port() + " " + String.join(" ", ssh);
                List<String> rsync = List.of("rsync", "-a", "-e", sshCmd, bundle + "/", "root@127.0.0.1:" + rdest + "/");
                rsyncFirst.add(time(() -> exec(rsync)));
                rsyncNoop.add(time(() -> exec(rsync)));

                Path sdest = work.resolve("remote-scp");
                delete(sdest);
                List<String> scpCmd = new ArrayList<>(List.of("scp", "-q", "-r", "-P", Integer.toString(sshd.port())));
                scpCmd.addAll(List.of(ssh));
                scpCmd.addAll(List.of(bundle.toString(), "root@127.0.0.1:" + sdest));
                scp.add(time(() -> exec(scpCmd)));
                delete(sdest);
                delete(rdest);
            }
            System.out.printf("%-34s %8s   %s%n", "way", "median", "all runs (s)");
            row("orbit push, first (OpenSSH bulk)", orbitFirst);
            row("orbit push, first (sshj only)", sshjFirst);
            row("rsync -a, first", rsyncFirst);
            row("scp -r", scp);
            row("orbit push, no-op (new connection)", orbitNoop);
            row("orbit push, no-op (sshj only)", sshjNoop);
            row("rsync -a, no-op", rsyncNoop);
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

    /** Flushes dirty pages first, so no way pays for the writeback of the one timed before it. */
    static double time(Runnable r) {
        exec(List.of("sync"));
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
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

    static void row(String name, List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Comparator.naturalOrder());
        double median = s.get(s.size() / 2);
        StringBuilder all = new StringBuilder();
        for (double x : xs) all.append(String.format("%.2f ", x));
        System.out.printf("%-34s %7.2fs   %s%n", name, median, all.toString().strip());
    }

    static void delete(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> w = Files.walk(p)) {
            for (Path x : (Iterable<Path>) w.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(x);
        }
    }

}
