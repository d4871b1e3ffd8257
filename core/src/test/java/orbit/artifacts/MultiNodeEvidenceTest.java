package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.bundle.Json;
import orbit.nvml.AuditSchema;
import orbit.nvml.AuditWriter;
import orbit.nvml.ClockReasons;
import orbit.nvml.GpuEvent;
import orbit.nvml.GpuSample;
import orbit.nvml.GpuSnapshot;
import orbit.nvml.HostMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A multi-node run's bundle: rank 0 writes the bundle-level files, every other rank its own
 * artifacts/nodes/NODE/ranks/RANK/training.log, and each node's GPU tracker artifacts/nodes/NODE/nvml-audit.jsonl.
 * The audits are written by {@link AuditWriter} (whose lines gpu-tracker.sh reproduces byte for byte, see
 * AuditRoundTripTest); last_run.json as launch.sh writes it, with the Slurm keys a Slurm run adds.
 */
class MultiNodeEvidenceTest {
    @TempDir
    Path dir;

    static final Instant START = Instant.parse("2026-11-28T18:00:00Z");
    static final int SECONDS = 90;
    static final String RANK3_LOG = "artifacts/nodes/node-b/ranks/3/training.log";
    static final String NODE_B_AUDIT = "artifacts/nodes/node-b/nvml-audit.jsonl";

    /** A bundle of a 2-node, 4-rank run (ranks 0-1 on node-a, 2-3 on node-b). */
    final class Bundle {
        final Path b;
        final Path art;

        Bundle(String name) throws Exception {
            b = dir.resolve(name);
            Files.createDirectories(b.resolve("runtime"));
            art = Files.createDirectories(b.resolve("artifacts"));
        }

        Instant end() {
            return START.plusSeconds(SECONDS);
        }

        /** last_run.json as launch.sh's write_state writes it, plus slurm_job_id / slurm_state / slurm_reason when given. */
        Bundle run(String state, Integer exit, String signal, String slurmState, String slurmReason) throws Exception {
            String slurm = slurmState == null ? "" : "  \"slurm_job_id\": \"48213\",\n  \"slurm_state\": \"" + slurmState + "\",\n"
                    + "  \"slurm_reason\": " + (slurmReason == null ? "null" : "\"" + slurmReason + "\"") + ",\n";
            Files.writeString(b.resolve("runtime/last_run.json"), "{\n"
                    + "  \"schema_version\": \"orbit.run.v1\",\n"
                    + "  \"run_id\": \"20261128T180000Z-77aa\",\n"
                    + "  \"target\": \"slurm\",\n"
                    + "  \"state\": \"" + state + "\",\n"
                    + "  \"host\": \"node-a\",\n"
                    + slurm
                    + "  \"started_at\": \"" + START + "\",\n"
                    + "  \"ended_at\": \"" + end() + "\",\n"
                    + "  \"exit_code\": " + exit + ",\n"
                    + "  \"signal\": " + (signal == null ? "null" : "\"" + signal + "\"") + ",\n"
                    + "  \"last_heartbeat\": \"" + end().minusSeconds(1) + "\",\n"
                    + "  \"reason\": null\n}\n");
            Files.writeString(b.resolve("runtime/heartbeat"), end().minusSeconds(1).toString());
            return this;
        }

        /** A node's GPU audit through the recorder's writer: 2 GPUs every second, then any events given. */
        Bundle audit(String rel, String host, long availableMib, GpuEvent... events) throws Exception {
            Path f = art.resolve(rel);
            Files.createDirectories(f.getParent());
            try (AuditWriter w = AuditWriter.open(f, host)) {
                w.write(new GpuEvent(START, GpuEvent.SAMPLER_START, null, "nvml", null, Map.of("schema_version", AuditSchema.NAME, "interval_ms", 1000)));
                for (int s = 0; s < SECONDS; s++) {
                    List<GpuSample> gpus = new ArrayList<>();
                    for (int g = 0; g < 2; g++) {
                        long mem = 30000 + s * 50L;
                        gpus.add(new GpuSample(g, "GPU-" + host + "-" + g, "NVIDIA H100 80GB HBM3", String.format(Locale.ROOT, "00000000:%02X:00.0", 0x18 + g),
                                95, 40, mem, 81559L, 81559L - mem, 70, 650.5, 700.0, 1000.0 + s, 1980, 2619, 1980, 0L, ClockReasons.names(0L), 0L, 0L,
                                4000L, 15000L, 0L, "P0", List.of(new GpuSample.GpuProcess(4300L + g, mem - 500)), "nvml", Map.of()));
                    }
                    w.write(new GpuSnapshot(START.plusSeconds(s), "nvml", gpus), new HostMemory(2_063_601L, availableMib));
                }
                for (GpuEvent e : events) w.write(e);
            }
            return this;
        }

        Bundle log(String rel, String text) throws Exception {
            Path f = art.resolve(rel);
            Files.createDirectories(f.getParent());
            Files.writeString(f, "[rank0]: {'loss': 2.1, 'grad_norm': 1.2, 'epoch': 0.1}\n" + text);
            return this;
        }

        Postmortem postmortem() {
            return Artifacts.of(b).postmortem();
        }
    }

    static final String RANK3_TRACEBACK = "[rank3]: Traceback (most recent call last):\n"
            + "[rank3]:   File \"/srv/orbit/run/inputs/train.py\", line 88, in <module>\n[rank3]:     main()\n"
            + "[rank3]:   File \"/srv/orbit/run/inputs/train.py\", line 61, in collate\n[rank3]:     raise RuntimeError(\"shard 17 is empty\")\n"
            + "[rank3]: RuntimeError: shard 17 is empty\n";
    static final String RANK0_WATCHDOG = "[rank0]:[E1128 18:01:29.123456 4300 ProcessGroupNCCL.cpp:616] [Rank 0] Watchdog caught collective operation"
            + " timeout: WorkNCCL(SeqNum=1201, OpType=ALLREDUCE, NumelIn=1048576, NumelOut=1048576, Timeout(ms)=600000) ran for 600043 milliseconds before timing out.\n";

    Bundle twoNodes(String name) throws Exception {
        return new Bundle(name).audit("nvml-audit.jsonl", "node-a", 1_500_000).audit("nodes/node-a/nvml-audit.jsonl", "node-a", 1_500_000)
                .audit("nodes/node-b/nvml-audit.jsonl", "node-b", 1_500_000);
    }

    static Postmortem.Cause first(Postmortem p) {
        assertFalse(p.causes().isEmpty(), p::toString);
        return p.causes().get(0);
    }

    @Test
    void everyNodesAuditLoadsIntoOneTableWithANodeColumnAndNoRemark() throws Exception {
        Bundle f = new Bundle("audit").audit("nvml-audit.jsonl", "node-a", 1_500_000).audit("nodes/node-a/nvml-audit.jsonl", "node-a", 1_500_000)
                .audit("nodes/node-b/nvml-audit.jsonl", "node-b", 1_500_000, new GpuEvent(START.plusSeconds(80), GpuEvent.XID, 1, "nvml", "GPU has fallen off the bus", Map.of("xid", 79)));
        Audit a = Artifacts.of(f.b).audit();
        Table s = a.samples();
        assertEquals("node", s.column(0).name());
        assertEquals(3 * SECONDS * 2, s.rowCount());
        assertEquals(SECONDS * 2, s.stringColumn("node").isEqualTo("node-b").size());
        assertEquals(SECONDS * 2, s.stringColumn("node").isEqualTo("").size(), "the bundle-level audit's rows have an empty node");
        for (String key : AuditLoader.ORDER) assertTrue(s.containsColumn(key), key);
        assertTrue(a.report().clean(), a.report().summary());
        Table ev = a.events();
        assertEquals(1, ev.where(ev.stringColumn("event").isEqualTo("xid")).rowCount());
        assertEquals("node-b", ev.where(ev.stringColumn("event").isEqualTo("xid")).stringColumn("node").get(0));
        assertEquals(List.of("node-a", "node-b"), List.copyOf(Artifacts.of(f.b).nodeAuditFiles().keySet()));
    }

    @Test
    void aPythonExceptionOnRank3IsNamedWithItsNodeRankAndFile() throws Exception {
        Postmortem p = twoNodes("rank3").run("failed", 1, null, "FAILED", "NonZeroExitCode")
                .log("training.log", RANK0_WATCHDOG + "[rank0]: torch.distributed.DistBackendError: NCCL communicator was aborted on rank 0.\n")
                .log("nodes/node-a/ranks/1/training.log", "[rank1]: {'loss': 2.0}\n")
                .log("nodes/node-b/ranks/2/training.log", RANK0_WATCHDOG.replace("rank0", "rank2").replace("Rank 0", "Rank 2"))
                .log("nodes/node-b/ranks/3/training.log", RANK3_TRACEBACK).postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("python_exception", c.kind(), p::toString);
        assertEquals("RuntimeError: shard 17 is empty (node node-b, rank 3)", c.summary());
        assertTrue(c.evidence().stream().anyMatch(e -> e.file().equals(RANK3_LOG) && e.line() == 7
                && e.text().equals("[rank3]: RuntimeError: shard 17 is empty")), p::toString);
        assertTrue(c.evidence().stream().anyMatch(e -> e.file().equals(RANK3_LOG) && e.text().contains("line 61, in collate")), p::toString);
        // the ranks that waited for it come after, each named
        List<String> nccl = p.causes().stream().filter(x -> x.kind().equals("nccl_error")).map(Postmortem.Cause::summary).toList();
        assertEquals(2, nccl.size(), p::toString);
        assertTrue(nccl.get(1).endsWith("(node node-b, rank 2)"), nccl.toString());
        String q3 = p.questions().get(2).answer();
        assertTrue(q3.contains("Slurm job 48213: FAILED (NonZeroExitCode)"), q3);
        assertTrue(q3.contains("node node-b, rank 3: RuntimeError: shard 17 is empty (" + RANK3_LOG + " line 7)"), q3);
        JsonNode j = Json.MAPPER.readTree(p.toJson());
        assertEquals("48213", j.get("slurm_job_id").asText());
        assertEquals("FAILED", j.get("slurm_state").asText());
        assertEquals(RANK3_LOG, j.get("causes").get(0).get("evidence").get(0).get("file").asText());
    }

    @Test
    void anNcclErrorOnRank3IsNamedWithItsNodeAndRank() throws Exception {
        Postmortem p = twoNodes("nccl").run("failed", 1, null, null, null)
                .log("training.log", "[rank0]: {'loss': 2.0}\n")
                .log("nodes/node-b/ranks/3/training.log", "node-b:4301:4390 [1] NCCL INFO Channel 00/0 : 3[1] -> 0[0] [send] via NET/IB/0\n"
                        + "node-b:4301:4390 [1] include/socket.h:409 NCCL WARN Net : Connection closed by remote peer 10.0.0.1<47102>\n"
                        + "[rank3]: torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, remote process exited or there was a network error, NCCL version 2.21.5\n")
                .postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("nccl_error", c.kind(), p::toString);
        assertTrue(c.summary().endsWith("(node node-b, rank 3)"), c.summary());
        assertTrue(c.evidence().stream().allMatch(e -> e.file().equals(RANK3_LOG)), p::toString);
        assertTrue(c.evidence().stream().anyMatch(e -> e.text().contains("NCCL WARN Net : Connection closed by remote peer")), p::toString);
    }

    @Test
    void anXidInOneNodesAuditComesFirstAndNamesThatNodesFile() throws Exception {
        Postmortem p = new Bundle("xid").audit("nvml-audit.jsonl", "node-a", 1_500_000).audit("nodes/node-a/nvml-audit.jsonl", "node-a", 1_500_000)
                .audit("nodes/node-b/nvml-audit.jsonl", "node-b", 1_500_000, new GpuEvent(START.plusSeconds(80), GpuEvent.XID, 1, "nvml", "GPU has fallen off the bus", Map.of("xid", 79)))
                .run("failed", 1, null, null, null)
                .log("training.log", RANK0_WATCHDOG)
                .log("nodes/node-b/ranks/3/training.log", "[rank3]: RuntimeError: CUDA error: unspecified launch failure\n").postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("gpu_xid", c.kind(), p::toString);
        assertTrue(c.summary().contains("79") && c.summary().endsWith("(node node-b)"), c.summary());
        assertTrue(c.evidence().stream().allMatch(e -> e.file().equals(NODE_B_AUDIT) && e.ts() != null), p::toString);
        String q5 = p.questions().get(4).answer();
        assertTrue(q5.contains("node node-a: ") && q5.contains("node node-b: "), q5);
        assertEquals(3 * 2, p.gpuPeaks().rowCount(), "one row per GPU of each audit");
        assertTrue(p.gpuPeaks().containsColumn("node"));
    }

    @ParameterizedTest
    @CsvSource({
            "TIMEOUT, DueToTimeLimit, failed, 143, SIGTERM, timeout, time limit",
            "NODE_FAIL, NodeDown, failed, 1, , host_lost, stopped answering",
            "OUT_OF_MEMORY, OutOfMemory, failed, 137, SIGKILL, killed, memory allocation",
            "PREEMPTED, , failed, 143, SIGTERM, preempted, took the nodes back",
    })
    void slurmsVerdictWinsOverWhatTheLogsSay(String slurm, String reason, String state, Integer exit, String signal, String kind, String says) throws Exception {
        Postmortem p = twoNodes("slurm-" + slurm).run(state, exit, signal, slurm, reason)
                .log("training.log", "[rank0]: Traceback (most recent call last):\n[rank0]:   File \"train.py\", line 9, in <module>\n"
                        + "[rank0]: KeyboardInterrupt\n")
                .log("nodes/node-b/ranks/3/training.log", RANK3_TRACEBACK).postmortem();
        Postmortem.Cause c = first(p);
        assertEquals(kind, c.kind(), p::toString);
        assertTrue(c.summary().startsWith("Slurm job 48213 ended " + slurm), c.summary());
        assertTrue(c.summary().contains(says), c.summary());
        assertTrue(c.evidence().stream().anyMatch(e -> e.file().equals("runtime/last_run.json") && e.text().contains("\"slurm_state\": \"" + slurm + "\"")),
                p::toString);
        assertEquals(1, p.causes().stream().filter(x -> x.kind().equals(kind)).count(), "one " + kind + " cause: " + p);
        assertTrue(kinds(p).contains("python_exception"), "the ranks' exceptions still follow: " + p);
    }

    @Test
    void slurmsOutOfMemoryNamesTheNodeWhoseHostMemoryRanOut() throws Exception {
        Postmortem p = new Bundle("host-oom").audit("nodes/node-a/nvml-audit.jsonl", "node-a", 1_500_000)
                .audit("nodes/node-b/nvml-audit.jsonl", "node-b", 40_000)
                .run("failed", 137, "SIGKILL", "OUT_OF_MEMORY", "OutOfMemory").log("training.log", "[rank0]: {'loss': 2.0}\n").postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("killed", c.kind(), p::toString);
        assertTrue(c.summary().contains("host memory available fell to 40,000 of 2,063,601 MiB") && c.summary().contains("node-b"), c.summary());
        assertTrue(c.evidence().stream().anyMatch(e -> e.file().equals(NODE_B_AUDIT)), p::toString);
    }

    @Test
    void aSucceededMultiNodeRunHasNoCause() throws Exception {
        Postmortem p = twoNodes("ok").run("succeeded", 0, null, "COMPLETED", null).log("training.log", "done\n")
                .log("nodes/node-b/ranks/3/training.log", "[rank3]: done\n").postmortem();
        assertEquals(List.of(), p.causes(), p::toString);
        assertTrue(p.questions().get(2).answer().contains("Slurm job 48213: COMPLETED"), p.questions().get(2).answer());
    }

    static List<String> kinds(Postmortem p) {
        return p.causes().stream().map(Postmortem.Cause::kind).toList();
    }
}
