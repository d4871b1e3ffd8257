package orbit.slurm;

import orbit.OrbitException;
import orbit.artifacts.Artifacts;
import orbit.artifacts.Audit;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.launch.LaunchOptions;
import orbit.launch.ScriptGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The task branch of scripts/sbatch.sh as srun runs it on the first task of a second node, which the one-node test
 * cluster never schedules: that node's own GPU tracker (the shell tracker, reading a stand-in nvidia-smi) writes
 * artifacts/nodes/NODE/nvml-audit.jsonl, the rank writes its own training.log, and the loader reads that audit
 * with its node and no remark. Nothing of the task is left running.
 */
class SbatchTaskTest {
    /** The job: says what rank it is, then runs until Slurm ends the step (here: the TERM srun would send). */
    private static final String JOB = "echo rank=$RANK local=$LOCAL_RANK node=$NODE_RANK world=$WORLD_SIZE nnodes=$NNODES; exec sleep 300";

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSecondNodesFirstTaskRunsItsOwnTrackerAndTheLoaderReadsThatNodesAudit() throws Exception {
        Bundle b = Bundle.create(dir.resolve("two-nodes"), JobSpec.builder("two-nodes", List.of("bash", "-c", JOB))
                .python("python3").nodes(2).build());
        LaunchOptions options = LaunchOptions.defaults();
        ScriptGenerator.generate(b, new ScriptGenerator.Plan("run-1", SlurmTarget.SPEC, options));
        SbatchScript.write(b, "run-1", options);

        Path bin = Files.createDirectories(dir.resolve("bin"));
        try (InputStream in = SbatchTaskTest.class.getResourceAsStream("/orbit/nvml/standin-nvidia-smi.sh")) {
            assertNotNull(in, "the stand-in nvidia-smi is on the test class path");
            Files.copy(in, bin.resolve("nvidia-smi"));
        }
        Files.setPosixFilePermissions(bin.resolve("nvidia-smi"), PosixFilePermissions.fromString("rwxr-xr-x"));
        ProcessBuilder pb = new ProcessBuilder("bash", b.scriptsDir().resolve(SbatchScript.FILE).toString(), "--task")
                .redirectErrorStream(true).redirectOutput(dir.resolve("task.out").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        // what srun gives rank 2 of a 2-node, 2-tasks-per-node job: the first task on the second node
        pb.environment().put("SLURM_PROCID", "2");
        pb.environment().put("SLURM_LOCALID", "0");
        pb.environment().put("SLURM_NODEID", "1");
        pb.environment().put("SLURM_NTASKS", "4");
        pb.environment().put("SLURM_JOB_NUM_NODES", "2");
        pb.environment().put("MASTER_ADDR", "127.0.0.1");
        pb.environment().put("MASTER_PORT", "15001");
        Process task = pb.start();
        Path nodes = b.artifactsDir().resolve("nodes");
        try {
            awaitSamples(nodes, 4, task);
            task.destroy(); // SIGTERM, as srun ends a step's tasks on a cancel
            assertTrue(task.waitFor(60, TimeUnit.SECONDS), "the task ends on TERM, after its job and its tracker");
        } finally {
            task.destroyForcibly();
        }
        assertEquals(143, task.exitValue(), () -> "the job's end by TERM is the task's\n" + read(dir.resolve("task.out")));

        List<String> names;
        try (Stream<Path> s = Files.list(nodes)) {
            names = s.map(p -> p.getFileName().toString()).toList();
        }
        assertEquals(1, names.size(), names::toString);
        String node = names.get(0);
        String log = read(nodes.resolve(node).resolve("ranks/2/training.log"));
        assertTrue(log.contains("rank=2 local=0 node=1 world=4 nnodes=2"), log);
        assertTrue(Files.notExists(b.artifactsDir().resolve("nvml-audit.jsonl")), "rank 0's tracker writes the bundle-level audit, not this node's");

        Audit audit = Artifacts.of(b.path()).audit();
        assertTrue(audit.report().clean(), audit.report().summary());
        Table samples = audit.samples();
        assertTrue(samples.rowCount() >= 4, samples::print);
        assertEquals(samples.rowCount(), samples.stringColumn("node").isEqualTo(node).size(), "every row names its node");
        assertEquals(List.of("nvidia-smi"), samples.stringColumn("source").unique().asList());
        Table events = audit.events();
        List<String> kinds = events.stringColumn("event").asList();
        assertTrue(kinds.contains("sampler_start") && kinds.contains("sampler_stop"), "the tracker started and was stopped: " + kinds);
        assertEquals(events.rowCount(), events.stringColumn("node").isEqualTo(node).size());

        assertEquals(List.of(), processesUnder(dir), "nothing of the task is left running");
    }

    @Test
    void aTrackerArgvIsRefusedForAJobOnSeveralNodesInOneLine() {
        Bundle b = Bundle.create(dir.resolve("argv"), JobSpec.builder("argv", List.of("true")).python("python3").nodes(2).build());
        SlurmTarget target = new SlurmTarget(SlurmTarget.SPEC, x -> {
            throw new AssertionError("nothing is submitted");
        });
        OrbitException e = assertThrows(OrbitException.class,
                () -> target.prepare(b, LaunchOptions.defaults().withTrackerArgv(List.of("my-tracker", "--out", "artifacts/nvml-audit.jsonl"))));
        assertTrue(e.getMessage().contains("runs on 2 nodes") && !e.getMessage().contains("\n"), e.getMessage());
        Bundle one = Bundle.create(dir.resolve("one"), JobSpec.builder("one", List.of("true")).python("python3").build());
        target.prepare(one, LaunchOptions.defaults().withTrackerArgv(List.of("my-tracker"))); // one node: its tracker is the bundle's
    }

    /** Waits until a node's audit holds {@code n} sample lines; the task writes on its own, so the file is all there is to watch. */
    private static void awaitSamples(Path nodes, int n, Process task) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (!task.isAlive()) fail("the task ended early (" + task.exitValue() + ")");
            if (Files.isDirectory(nodes)) {
                try (Stream<Path> s = Files.list(nodes)) {
                    for (Path node : (Iterable<Path>) s::iterator) {
                        Path audit = node.resolve("nvml-audit.jsonl");
                        if (Files.isRegularFile(audit) && Files.readAllLines(audit).stream().filter(l -> l.contains("\"gpu\":")).count() >= n) return;
                    }
                }
            }
            Thread.sleep(100); // the condition is checked again at once: the sleep only paces the look
        }
        fail("no node audit reached " + n + " samples in 60 s");
    }

    /** Processes whose command line names a path under {@code root} (the tracker, nvidia-smi, the job). */
    private static List<String> processesUnder(Path root) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                if (!p.getFileName().toString().matches("\\d+")) continue;
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains(root.toString())) found.add(p.getFileName() + ": " + cmd);
                } catch (IOException e) {
                    // ended while we looked
                }
            }
        }
        return found;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return file + ": " + e.getMessage();
        }
    }
}
