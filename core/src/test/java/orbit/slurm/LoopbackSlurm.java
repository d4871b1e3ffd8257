package orbit.slurm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real one-node Slurm for tests: munged, slurmctld and slurmd on 127.0.0.1 with free ports, eight fake
 * GPUs as GRES (character devices, which Slurm requires; they are /dev/null's numbers and never opened),
 * every file under a private directory. Stopped by the handles it started, never by name.
 */
public final class LoopbackSlurm implements AutoCloseable {
    private final Path dir;
    private final Path runDir;
    private final Map<String, String> env;
    private final List<Process> daemons;

    private LoopbackSlurm(Path dir, Path runDir, Map<String, String> env, List<Process> daemons) {
        this.dir = dir;
        this.runDir = runDir;
        this.env = env;
        this.daemons = daemons;
    }

    /** Whether this machine has the Slurm and munge daemons and may make device nodes (root). */
    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/sbin/slurmctld")) && Files.isExecutable(Path.of("/usr/sbin/slurmd"))
                && Files.isExecutable(Path.of("/usr/sbin/munged")) && "root".equals(System.getProperty("user.name"));
    }

    public static LoopbackSlurm start(Path dir) {
        List<Process> started = new ArrayList<>();
        Path runDir = null;
        try {
            Files.createDirectories(dir);
            // munged refuses a socket whose parent directories are not world-executable; JUnit's temp dirs are 0700.
            runDir = Files.createTempDirectory(Path.of("/tmp"), "orbit-slurm-");
            Files.setPosixFilePermissions(runDir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path mungeDir = Files.createDirectories(dir.resolve("munge"));
            Files.setPosixFilePermissions(mungeDir, PosixFilePermissions.fromString("rwx------"));
            Path key = mungeDir.resolve("munge.key");
            runOut(List.of("mungekey", "--create", "--keyfile=" + key));
            Path socket = runDir.resolve("munge.socket");
            started.add(new ProcessBuilder("munged", "-F", "--socket=" + socket, "--key-file=" + key,
                    "--pid-file=" + runDir.resolve("munged.pid"), "--log-file=" + dir.resolve("munged.log"),
                    "--seed-file=" + mungeDir.resolve("munge.seed"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("munged.out").toFile()).start());
            waitFor(() -> Files.exists(socket), "munged socket", started.get(0), dir.resolve("munged.log"));

            Path gpus = Files.createDirectories(dir.resolve("fakegpu"));
            for (int i = 0; i < 8; i++) {
                Path dev = gpus.resolve("nvidia" + i);
                if (!Files.exists(dev)) runOut(List.of("mknod", dev.toString(), "c", "1", "3"));
            }
            String host = hostName();
            String nodeLine = nodeLine(host);
            for (String d : List.of("state", "spool", "log")) Files.createDirectories(dir.resolve(d));
            Files.writeString(dir.resolve("gres.conf"), "AutoDetect=off\nName=gpu File=" + gpus + "/nvidia[0-7]\n");
            Path conf = dir.resolve("slurm.conf");
            Map<String, String> env = new HashMap<>();
            env.put("SLURM_CONF", conf.toString());
            for (int attempt = 0; ; attempt++) {
                int ctldPort = freePort();
                int slurmdPort = freePort();
                Files.writeString(conf, String.join("\n",
                        "ClusterName=orbit-test",
                        "SlurmctldHost=" + host + "(127.0.0.1)",
                        "SlurmctldPort=" + ctldPort,
                        "SlurmdPort=" + slurmdPort,
                        "SlurmUser=root",
                        "AuthType=auth/munge",
                        "AuthInfo=socket=" + socket,
                        "StateSaveLocation=" + dir.resolve("state"),
                        "SlurmdSpoolDir=" + dir.resolve("spool"),
                        "SlurmctldPidFile=" + runDir.resolve("slurmctld.pid"),
                        "SlurmdPidFile=" + runDir.resolve("slurmd.pid"),
                        "SlurmctldLogFile=" + dir.resolve("log/slurmctld.log"),
                        "SlurmdLogFile=" + dir.resolve("log/slurmd.log"),
                        "ProctrackType=proctrack/linuxproc",
                        "TaskPlugin=task/none",
                        "JobAcctGatherType=jobacct_gather/none",
                        "AccountingStorageType=accounting_storage/none",
                        "SelectType=select/cons_tres",
                        "SelectTypeParameters=CR_Core",
                        "MpiDefault=none",
                        "ReturnToService=2",
                        // finished jobs stay visible to scontrol for this long (there is no accounting)
                        "MinJobAge=300",
                        "GresTypes=gpu",
                        nodeLine + " Gres=gpu:8 State=UNKNOWN",
                        "PartitionName=main Nodes=" + host + " Default=YES MaxTime=INFINITE State=UP",
                        ""));
                Process ctld = daemon(env, dir.resolve("slurmctld.out"), "slurmctld", "-D", "-i");
                started.add(ctld);
                Process slurmd = daemon(env, dir.resolve("slurmd.out"), "slurmd", "-D");
                started.add(slurmd);
                LoopbackSlurm s = new LoopbackSlurm(dir, runDir, env, started);
                if (s.waitIdle(ctld, slurmd)) return s;
                ctld.destroy();
                slurmd.destroy();
                started.remove(ctld);
                started.remove(slurmd);
                if (attempt >= 2) throw new IllegalStateException("Slurm did not start: see " + dir.resolve("log"));
            }
        } catch (IOException e) {
            stopAll(started);
            throw new UncheckedIOException("cannot start a loopback Slurm in " + dir, e);
        } catch (RuntimeException e) {
            stopAll(started);
            throw e;
        }
    }

    private boolean waitIdle(Process ctld, Process slurmd) throws IOException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (!ctld.isAlive() || !slurmd.isAlive()) return false;
            Result r = command("sinfo", "-h", "-o", "%t");
            if (r.rc() == 0 && r.out().trim().startsWith("idle")) return true;
            pause(100);
        }
        return false;
    }

    /** The environment every Slurm command needs to reach this cluster. */
    public Map<String, String> env() {
        return Map.copyOf(env);
    }

    public Path dir() {
        return dir;
    }

    public record Result(int rc, String out) {}

    /** Runs a Slurm client command against this cluster, with a time limit. */
    public Result command(String... argv) {
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, out);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        command("scancel", "--full", "--user=root");
        stopAll(daemons);
        try (Stream<Path> w = Files.walk(runDir)) {
            for (Path p : (Iterable<Path>) w.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover socket directory under /tmp is harmless
        }
    }

    private static void stopAll(List<Process> ps) {
        for (int i = ps.size() - 1; i >= 0; i--) {
            Process p = ps.get(i);
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String hostName() throws IOException {
        return runOut(List.of("hostname", "-s")).trim();
    }

    /** slurmd -C describes this machine (CPUs, memory); Slurm refuses a node line that promises more. */
    private static String nodeLine(String host) throws IOException {
        for (String line : runOut(List.of("slurmd", "-C")).split("\n")) {
            if (line.startsWith("NodeName=")) {
                StringBuilder b = new StringBuilder();
                for (String f : line.trim().split("\\s+")) {
                    if (f.startsWith("NodeName=")) b.append("NodeName=").append(host).append(" NodeAddr=127.0.0.1");
                    else if (!f.startsWith("UpTime=")) b.append(' ').append(f);
                }
                return b.toString();
            }
        }
        throw new IOException("slurmd -C printed no NodeName line");
    }

    private static String runOut(List<String> argv) throws IOException {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new IOException(String.join(" ", argv) + " failed: " + out);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Process daemon(Map<String, String> env, Path out, String... argv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private interface Check {
        boolean ok() throws IOException;
    }

    private static void waitFor(Check c, String what, Process p, Path log) throws IOException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            if (c.ok()) return;
            if (!p.isAlive()) break;
            pause(20);
        }
        String tail = Files.exists(log) ? Files.readString(log) : "";
        throw new IOException(what + " did not appear: " + tail);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
