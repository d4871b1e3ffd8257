package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.bundle.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.IntUnaryOperator;

import tech.tablesaw.api.Table;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The post-mortem on bundles whose files are written as ORBIT's writers write them (launch.sh's last_run.json and
 * runtime.log, the GPU recorder's audit lines) with failure texts in the forms PyTorch, NCCL and the kernel print.
 */
class PostmortemTest {
    @TempDir
    Path dir;

    static final Instant START = Instant.parse("2025-11-28T18:00:00Z");

    /** A bundle being written: runtime/ and artifacts/ of one run. */
    final class Fixture {
        final Path b;
        final Path art;
        final StringBuilder audit = new StringBuilder();
        int seconds = 120;

        Fixture(String name) throws Exception {
            b = dir.resolve(name);
            Files.createDirectories(b.resolve("runtime"));
            art = Files.createDirectories(b.resolve("artifacts"));
        }

        Instant end() {
            return START.plusSeconds(seconds);
        }

        /** last_run.json as launch.sh's write_state writes it. */
        Fixture run(String state, Integer exit, String signal, String reason) throws Exception {
            boolean ended = !state.equals("running") && !state.equals("lost");
            Files.writeString(b.resolve("runtime/last_run.json"), "{\n"
                    + "  \"schema_version\": \"orbit.run.v1\",\n"
                    + "  \"run_id\": \"20251128T180000Z-1a2b\",\n"
                    + "  \"target\": \"ssh\",\n"
                    + "  \"state\": \"" + state + "\",\n"
                    + "  \"host\": \"gpu-box\",\n"
                    + "  \"pid\": 4242,\n"
                    + "  \"pgid\": 4242,\n"
                    + "  \"started_at\": \"" + START + "\",\n"
                    + "  \"ended_at\": " + (ended ? "\"" + end() + "\"" : "null") + ",\n"
                    + "  \"exit_code\": " + exit + ",\n"
                    + "  \"signal\": " + (signal == null ? "null" : "\"" + signal + "\"") + ",\n"
                    + "  \"last_heartbeat\": \"" + end().minusSeconds(1) + "\",\n"
                    + "  \"job_sha256\": \"c9872048fc205243bb207a6f916ab40043714fcc7d12fb79f977ac0f77ace7d4\",\n"
                    + "  \"reason\": " + (reason == null ? "null" : "\"" + reason + "\"") + "\n}\n");
            Files.writeString(b.resolve("runtime/heartbeat"), end().minusSeconds(1).toString());
            String exited = exit == null ? "" : "training exited: pid=4300 exit_code=" + exit + (signal == null ? "" : " signal=" + signal);
            Files.writeString(b.resolve("runtime/runtime.log"), String.join("\n",
                    START + " staged: run_id=20251128T180000Z-1a2b target=ssh bundle=/srv/orbit/run pid=4242 pgid=4242",
                    START.plusMillis(10) + " probe: host=gpu-box",
                    START.plusMillis(20) + " probe: nvidia-smi -L: GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0a)",
                    START.plusMillis(21) + " probe: nvidia-smi -L: GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-1b)",
                    START.plusMillis(30) + " probe: CUDA_VISIBLE_DEVICES=0,1",
                    START.plusMillis(900) + " precheck: ok",
                    START.plusSeconds(1) + " training started: pid=4300 argc=3",
                    end() + " " + exited) + "\n");
            Files.writeString(art.resolve("precheck.json"), "{\n  \"schema_version\": \"orbit.precheck.v1\",\n  \"ok\": true,\n"
                    + "  \"python\": {\"version\": \"3.11.7\"},\n  \"deps\": [{\"name\": \"torch\", \"ok\": true, \"version\": \"2.5.1\"}],\n  \"fork\": null\n}\n");
            return this;
        }

        /** One sample line per GPU per second, in AuditWriter's key order; {@code mem} gives GPU 0's memory at second s. */
        Fixture samples(IntUnaryOperator mem, long throttle, String names, String source) {
            for (int s = 0; s < seconds; s++) {
                String ts = START.plusSeconds(s).toString().replace("Z", ".000Z");
                for (int g = 0; g < 2; g++) {
                    int used = g == 0 ? mem.applyAsInt(s) : 20000;
                    audit.append("{\"ts\":\"").append(ts).append("\",\"host\":\"gpu-box\",\"gpu\":").append(g)
                            .append(",\"uuid\":\"GPU-0000000").append(g).append("\",\"name\":\"NVIDIA H100 80GB HBM3\",\"pci_bus_id\":\"00000000:1")
                            .append(8 + g).append(":00.0\",\"util_gpu\":95,\"util_mem\":40,\"mem_used_mib\":").append(used)
                            .append(",\"mem_total_mib\":81559,\"mem_free_mib\":").append(81559 - used).append(",\"temp_c\":")
                            .append((throttle & 0x68) != 0 ? 91 : 70).append(",\"power_w\":650.1,\"power_limit_w\":700.0,\"energy_j\":1000000.0,")
                            .append("\"sm_clock_mhz\":1980,\"mem_clock_mhz\":2619,\"graphics_clock_mhz\":1980,\"throttle_reasons\":").append(throttle)
                            .append(",\"throttle_reason_names\":").append(names).append(",\"ecc_corrected\":0,\"ecc_uncorrected\":0,")
                            .append("\"pcie_tx_kbps\":4000,\"pcie_rx_kbps\":15000,\"pcie_replay\":0,\"pstate\":\"P0\",\"procs\":[{\"pid\":4300,\"mem_mib\":")
                            .append(used - 500).append("}],\"source\":\"").append(source).append("\"}\n");
                }
            }
            return this;
        }

        Fixture samples(IntUnaryOperator mem) {
            return samples(mem, 0, "[]", "nvml");
        }

        Fixture event(String line) {
            audit.append(line).append('\n');
            return this;
        }

        Fixture log(String text) throws Exception {
            StringBuilder s = new StringBuilder();
            for (int i = 1; i <= 40; i++) s.append("{'loss': ").append(String.format(Locale.ROOT, "%.4f", 2.0 / i)).append(", 'grad_norm': 1.2, 'epoch': 0.")
                    .append(i).append("}\n");
            Files.writeString(art.resolve("training.log"), s + text);
            return this;
        }

        Fixture logging(String lines) throws Exception {
            Path ck = Files.createDirectories(art.resolve("checkpoints/v0-20251128-180000"));
            Files.writeString(ck.resolve("logging.jsonl"), lines);
            return this;
        }

        Postmortem postmortem() throws Exception {
            if (audit.length() > 0) Files.writeString(art.resolve("nvml-audit.jsonl"), audit);
            if (!Files.exists(art.resolve("checkpoints"))) {
                logging("{\"loss\": 2.0, \"global_step/max_steps\": \"10/438\"}\n{\"loss\": 1.5, \"global_step/max_steps\": \"120/438\"}\n"
                        + "{\"eval_loss\": 1.6, \"global_step/max_steps\": \"120/438\"}\n");
            }
            return Artifacts.of(b).postmortem();
        }
    }

    static final String TRACE_HEAD = "Traceback (most recent call last):\n"
            + "  File \"/srv/orbit/run/inputs/train.py\", line 88, in <module>\n    main()\n"
            + "  File \"/srv/orbit/run/inputs/train.py\", line 71, in main\n    loss.backward()\n";

    static Postmortem.Cause first(Postmortem p) {
        assertFalse(p.causes().isEmpty(), p::toString);
        return p.causes().get(0);
    }

    static boolean quotes(Postmortem.Cause c, String file, String text) {
        return c.evidence().stream().anyMatch(e -> e.file().equals(file) && e.text().contains(text));
    }

    static List<String> kinds(Postmortem p) {
        return p.causes().stream().map(Postmortem.Cause::kind).toList();
    }

    @Test
    void theFiveQuestionsAreAnsweredInOrderFromTheFiles() throws Exception {
        Postmortem p = new Fixture("q").run("failed", 1, null, "training exited with code 1: see artifacts/training.log")
                .samples(s -> 30000 + s * 100).log(TRACE_HEAD + "ValueError: bad batch shape (8, 512)\n").postmortem();
        assertEquals(5, p.questions().size());
        assertTrue(p.questions().get(0).answer().startsWith("yes: staged at " + START), p.questions().get(0).answer());
        assertTrue(p.questions().get(0).answer().contains("nvidia-smi listed 2 GPUs"));
        assertTrue(p.questions().get(1).answer().startsWith("yes: 1 dependency resolved (torch 2.5.1)"), p.questions().get(1).answer());
        String q3 = p.questions().get(2).answer();
        assertTrue(q3.contains("exit code 1, no signal") && q3.contains("ValueError: bad batch shape (8, 512)"), q3);
        assertTrue(p.questions().get(2).evidence().stream().anyMatch(e -> e.file().equals("runtime/last_run.json") && e.line() == 5
                && e.text().equals("\"state\": \"failed\",")), p::toString);
        assertTrue(p.questions().get(3).answer().startsWith("last step 120 of 438"), p.questions().get(3).answer());
        assertTrue(p.questions().get(3).answer().contains("falling"), p.questions().get(3).answer());
        String q5 = p.questions().get(4).answer();
        assertTrue(q5.contains("GPU 0 30,000 → peak 41,900 of 81,559 MiB") && q5.contains("no XID"), q5);
        assertFalse(q5.startsWith("SIMULATED"), "measured samples");
        assertEquals(List.of("python_exception"), kinds(p));
        assertTrue(quotes(first(p), "artifacts/training.log", "ValueError: bad batch shape (8, 512)"));
        assertEquals(120, p.lastStep());
        assertEquals(438, p.maxSteps());
        assertEquals(1.6, p.lastEvalLoss());
    }

    @Test
    void aSucceededRunHasNoCauseEvenAtThePowerCapWithHighMemory() throws Exception {
        Postmortem p = new Fixture("ok").run("succeeded", 0, null, null).samples(s -> 81000, 0x4, "[\"sw_power_cap\"]", "nvml")
                .log("tiny_trainer: done in 2m 0s\n").postmortem();
        assertEquals(List.of(), p.causes(), p::toString);
        assertTrue(p.questions().get(4).answer().contains("at the power cap in 240 of 240 samples (normal under load, not a fault)"));
        assertTrue(p.toString().contains("none (the run succeeded)"));
    }

    @Test
    void thePowerCapIsNeverACause() throws Exception {
        Postmortem p = new Fixture("cap").run("failed", 1, null, null).samples(s -> 30000, 0x4 | 0x80, "[\"sw_power_cap\",\"hw_power_brake_slowdown\"]", "simulated")
                .log(TRACE_HEAD + "RuntimeError: simulated crash at step 30 (--crash-at-step)\n").postmortem();
        assertEquals(List.of("python_exception"), kinds(p), p::toString);
        assertFalse(p.toString().toLowerCase(Locale.ROOT).contains("power throttling"));
    }

    @Test
    void precheckFailureComesFirstWithTheFailedImport() throws Exception {
        Fixture f = new Fixture("pre").run("precheck_failed", 1, null, "precheck failed: see artifacts/runtime-precheck.log");
        Files.writeString(f.art.resolve("precheck.json"), "{\n  \"schema_version\": \"orbit.precheck.v1\",\n  \"ok\": false,\n  \"deps\": ["
                + "{\"name\": \"flash_attn\", \"ok\": false, \"error\": \"ModuleNotFoundError: No module named 'flash_attn'\"}],\n  \"fork\": null\n}\n");
        Files.writeString(f.art.resolve("runtime-precheck.log"), "2025-11-28T18:00:00.500Z precheck: python=/usr/bin/python3 version=3.11.7\n"
                + "2025-11-28T18:00:00.700Z flash_attn runtime import FAILED: ModuleNotFoundError: No module named 'flash_attn'\n");
        Postmortem p = f.postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("precheck_failed", c.kind());
        assertTrue(c.summary().contains("dependency flash_attn failed"), c.summary());
        assertTrue(c.evidence().stream().anyMatch(e -> e.file().equals("artifacts/runtime-precheck.log") && e.line() == 2), c.evidence()::toString);
        assertTrue(p.questions().get(1).answer().startsWith("no: dependency flash_attn failed"), p.questions().get(1).answer());
    }

    static final List<String[]> OOM_SPELLINGS = List.of(
            new String[] {"torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 79.15 GiB total capacity; "
                    + "77.84 GiB already allocated; 3.06 MiB free; 78.90 GiB reserved in total by PyTorch) If reserved memory is >> allocated memory "
                    + "try setting max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF", "0"},
            new String[] {"torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.10 GiB of which "
                    + "1.06 GiB is free. Including non-PyTorch memory, this process has 78.03 GiB memory in use. Of the allocated memory 75.95 GiB is "
                    + "allocated by PyTorch, and 1.42 GiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting "
                    + "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  "
                    + "(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)", "0"},
            new String[] {"RuntimeError: CUDA out of memory. Tried to allocate 1024.00 KiB (GPU 0; 11.17 GiB total capacity; 10.90 GiB already "
                    + "allocated; 576.00 KiB free; 30.96 MiB cached)", "0"},
            new String[] {"torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 14.00 MiB. GPU 0 has a total capacty of 4.00 GiB of which "
                    + "0 bytes is free. Of the allocated memory 3.41 GiB is allocated by PyTorch", "0"},
            new String[] {"RuntimeError: CUDA error: out of memory\nCUDA kernel errors might be asynchronously reported at some other API call, so the "
                    + "stacktrace below might be incorrect.", null});

    @Test
    void cudaOutOfMemoryInEverySpellingNamesTheGpuAndItsClimb() throws Exception {
        int n = 0;
        for (String[] oom : OOM_SPELLINGS) {
            Postmortem p = new Fixture("oom" + n++).run("failed", 1, null, null).samples(s -> s < 100 ? 40000 + s * 200 : 81200)
                    .log(TRACE_HEAD + oom[0] + "\n").postmortem();
            Postmortem.Cause c = first(p);
            assertEquals("cuda_oom", c.kind(), p::toString);
            assertFalse(kinds(p).contains("python_exception"), "the OOM is the exception, not a second cause: " + kinds(p));
            if (oom[1] != null) assertTrue(c.summary().startsWith("CUDA out of memory on GPU " + oom[1]), c.summary());
            assertTrue(c.summary().contains("GPU 0 memory climbed from 40,000 MiB at " + START + " to 81,200 of 81,559 MiB (99.6 %) at "
                    + START.plusSeconds(100)), c.summary());
            assertTrue(quotes(c, "artifacts/training.log", oom[0].lines().findFirst().orElseThrow().substring(0, 30)), c.evidence()::toString);
            assertTrue(c.evidence().stream().anyMatch(e -> e.file().equals("artifacts/nvml-audit.jsonl") && START.plusSeconds(100).equals(e.ts())
                    && e.text().contains("mem_used_mib=81200")), c.evidence()::toString);
            assertFalse(c.simulated());
        }
    }

    @Test
    void anOutOfMemoryTheProgramLivedPastComesAfterTheTracebackThatEndedIt() throws Exception {
        Postmortem p = new Fixture("oomcaught").run("failed", 1, null, null).samples(s -> 30000)
                .log("WARNING: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 8.00 GiB. GPU 0 has a total capacity of 79.10 GiB "
                        + "of which 3.00 GiB is free.; retrying with batch size 4\n" + TRACE_HEAD + "AssertionError: labels and logits differ in length\n")
                .postmortem();
        assertEquals(List.of("python_exception", "cuda_oom"), kinds(p), p::toString);
    }

    @Test
    void cudaGpuNumbersMapThroughCudaVisibleDevices() throws Exception {
        Fixture f = new Fixture("cvd").run("failed", 1, null, null).samples(s -> 30000);
        Files.writeString(f.b.resolve("runtime/runtime.log"), Files.readString(f.b.resolve("runtime/runtime.log")).replace("CUDA_VISIBLE_DEVICES=0,1", "CUDA_VISIBLE_DEVICES=1"));
        f.log(TRACE_HEAD + "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 79.10 GiB of which 3.00 MiB is free.\n");
        Postmortem.Cause c = first(f.postmortem());
        assertEquals("cuda_oom", c.kind());
        assertTrue(c.summary().contains("GPU 1 memory climbed from 20,000 MiB"), c.summary());
    }

    @Test
    void memoryAtTheLimitWithoutAMessageIsAProbableOomBelowATraceback() throws Exception {
        Postmortem p = new Fixture("probable").run("failed", 1, null, null).samples(s -> s < 100 ? 60000 : 81000).log("").postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("cuda_oom", c.kind());
        assertTrue(c.summary().startsWith("probable CUDA out of memory on GPU 0"), c.summary());
        Postmortem q = new Fixture("probable2").run("failed", 1, null, null).samples(s -> s < 100 ? 60000 : 81000)
                .log(TRACE_HEAD + "KeyError: 'labels'\n").postmortem();
        assertEquals(List.of("python_exception", "cuda_oom"), kinds(q));
    }

    @Test
    void theLastExceptionOfTheLastTracebackIsQuotedPastTorchrunsWrapper() throws Exception {
        String log = "[rank0]: Traceback (most recent call last):\n"
                + "[rank0]:   File \"/srv/orbit/run/inputs/train.py\", line 12, in load\n"
                + "[rank0]:     return json.load(f)\n"
                + "[rank0]: json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n"
                + "[rank0]: \n[rank0]: During handling of the above exception, another exception occurred:\n[rank0]: \n"
                + "[rank0]: Traceback (most recent call last):\n"
                + "[rank0]:   File \"/srv/orbit/run/inputs/train.py\", line 30, in main\n"
                + "[rank0]:     data = load(path)\n"
                + "[rank0]: ValueError: dataset /data/train.jsonl is not JSON Lines\n"
                + "E1128 18:01:59.123000 4300 torch/distributed/elastic/multiprocessing/api.py:869] failed (exitcode: 1) local_rank: 0 (pid: 4301)\n"
                + "Traceback (most recent call last):\n"
                + "  File \"/usr/bin/torchrun\", line 8, in <module>\n    sys.exit(main())\n"
                + "torch.distributed.elastic.multiprocessing.errors.ChildFailedError: \n"
                + "============================================================\ntrain.py FAILED\n";
        Postmortem p = new Fixture("exc").run("failed", 1, null, null).samples(s -> 30000).log(log).postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("python_exception", c.kind());
        assertEquals("ValueError: dataset /data/train.jsonl is not JSON Lines", c.summary());
        assertTrue(c.evidence().get(0).text().equals("[rank0]: ValueError: dataset /data/train.jsonl is not JSON Lines"), c.evidence()::toString);
        assertEquals(40 + 11, c.evidence().get(0).line());
    }

    @Test
    void ncclWatchdogTimeoutIsNamed() throws Exception {
        String log = "[rank0]:[E1128 18:01:50.408271257 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: "
                + "WorkNCCL(SeqNum=1580, OpType=ALLREDUCE, NumelIn=466119168, NumelOut=466119168, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.\n"
                + "[rank0]:[E1128 18:01:50.465150152 ProcessGroupNCCL.cpp:1664] [PG 1 Rank 0] Exception (either an error or timeout) detected by watchdog at work: 1580, last enqueued NCCL work: 1582, last completed NCCL work: 1579.\n"
                + "[rank0]:[E1128 18:01:50.465170000 ProcessGroupNCCL.cpp:621] [Rank 0] Some NCCL operations have failed or timed out. Due to the asynchronous nature of CUDA kernels, subsequent GPU operations might run on corrupted/incomplete data.\n"
                + "terminate called after throwing an instance of 'c10::DistBackendError'\n"
                + "  what():  [PG 1 Rank 0] Process group watchdog thread terminated with exception: [Rank 0] Watchdog caught collective operation timeout: "
                + "WorkNCCL(SeqNum=1580, OpType=ALLREDUCE, NumelIn=466119168, NumelOut=466119168, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.\n";
        Postmortem p = new Fixture("nccl").run("failed", 134, "SIGABRT", null).samples(s -> 30000).log(log).postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("nccl_error", c.kind(), p::toString);
        assertTrue(c.summary().startsWith("NCCL collective timed out: WorkNCCL(SeqNum=1580, OpType=ALLREDUCE"), c.summary());
        assertEquals(41, c.evidence().get(0).line());
    }

    @Test
    void ncclErrorAndDistBackendErrorAreNamed() throws Exception {
        String log = TRACE_HEAD + "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1970, "
                + "unhandled system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.21.5\n"
                + "ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device error.\n"
                + "Last error:\nsocketStartConnect: Connect to 10.0.0.2<45123> failed : Software caused connection abort\n";
        Postmortem p = new Fixture("nccl2").run("failed", 1, null, null).samples(s -> 30000).log(log).postmortem();
        assertEquals(List.of("nccl_error"), kinds(p), p::toString);
        assertTrue(first(p).summary().contains("unhandled system error"), first(p).summary());
    }

    @Test
    void anOutOfMemoryOnOneRankComesBeforeTheOtherRanksNcclTimeouts() throws Exception {
        String log = "[rank1]: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 1 has a total capacity of 79.10 GiB of which 3.00 MiB is free.\n"
                + "[rank0]:[E1128 18:11:50.408271257 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: "
                + "WorkNCCL(SeqNum=7, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600013 milliseconds before timing out.\n";
        Postmortem p = new Fixture("ranks").run("failed", 1, null, null).samples(s -> 30000).log(log).postmortem();
        assertEquals(List.of("cuda_oom", "nccl_error"), kinds(p), p::toString);
        assertTrue(first(p).summary().contains("GPU 1 memory climbed from 20,000 MiB"), first(p).summary());
    }

    @Test
    void anXidComesBeforeTheCudaAndNcclErrorsItCauses() throws Exception {
        String xid = "{\"ts\":\"2025-11-28T18:01:10.512Z\",\"host\":\"gpu-box\",\"event\":\"xid\",\"gpu\":1,\"source\":\"nvml\",\"reason\":\"XID 79 critical error\","
                + "\"uuid\":\"GPU-00000001\",\"xid\":79}";
        String log = TRACE_HEAD + "RuntimeError: CUDA error: unspecified launch failure\n"
                + "CUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.\n"
                + "[rank0]:[E1128 18:01:50.408271257 ProcessGroupNCCL.cpp:1183] [Rank 0] NCCL error: unhandled cuda error, NCCL version 2.21.5\n";
        Postmortem p = new Fixture("xid").run("failed", 1, null, null).samples(s -> 30000).event(xid).log(log).postmortem();
        assertEquals(List.of("gpu_xid", "python_exception", "nccl_error"), kinds(p), p::toString);
        Postmortem.Cause c = first(p);
        assertTrue(c.summary().contains("XID 79 on GPU 1") && c.summary().contains("fallen off the bus"), c.summary());
        assertEquals(Instant.parse("2025-11-28T18:01:10.512Z"), c.evidence().get(0).ts());
        assertTrue(c.evidence().get(0).text().contains("xid=79"), c.evidence()::toString);
        assertTrue(p.questions().get(4).answer().contains("1 XID event"), p.questions().get(4).answer());
        assertEquals(1, p.gpuEvents().rowCount());
    }

    @Test
    void aDoubleBitEccXidAndAKernelXidLineAreNamed() throws Exception {
        String xid = "{\"ts\":\"2025-11-28T18:01:00.000Z\",\"host\":\"gpu-box\",\"event\":\"xid\",\"gpu\":0,\"source\":\"nvml\",\"reason\":\"XID 48 critical error\",\"xid\":48}";
        Postmortem p = new Fixture("xid48").run("failed", 1, null, null).samples(s -> 30000).event(xid)
                .log(TRACE_HEAD + "RuntimeError: CUDA error: an illegal memory access was encountered\n").postmortem();
        assertTrue(first(p).summary().contains("XID 48 on GPU 0") && first(p).summary().contains("double-bit ECC"), first(p).summary());
        Postmortem k = new Fixture("kxid").run("failed", 1, null, null).samples(s -> 30000)
                .log("NVRM: Xid (PCI:0000:18:00): 79, pid=4300, name=python3, GPU has fallen off the bus.\n"
                        + TRACE_HEAD + "RuntimeError: CUDA error: unspecified launch failure\n").postmortem();
        assertEquals("gpu_xid", first(k).kind(), k::toString);
        assertTrue(first(k).summary().contains("XID 79") && first(k).summary().contains("0000:18:00"), first(k).summary());
    }

    @Test
    void sigkillIsKilled() throws Exception {
        Postmortem p = new Fixture("kill").run("failed", 137, "SIGKILL", "training exited with code 137: see artifacts/training.log")
                .samples(s -> 30000).log("{'loss': 0.5}\n").postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("killed", c.kind(), p::toString);
        assertTrue(c.summary().startsWith("killed by SIGKILL (exit 137)"), c.summary());
        assertTrue(c.evidence().stream().anyMatch(e -> e.file().equals("runtime/runtime.log") && e.text().contains("signal=SIGKILL")));
    }

    @Test
    void lowHostMemoryBeforeASigkillNamesTheOomKiller() {
        Table samples = Table.create("s", tech.tablesaw.api.InstantColumn.create("ts"), tech.tablesaw.api.IntColumn.create("gpu"),
                tech.tablesaw.api.IntColumn.create("mem_used_mib"), tech.tablesaw.api.IntColumn.create("mem_total_mib"),
                tech.tablesaw.api.StringColumn.create("host"), tech.tablesaw.api.StringColumn.create("source"),
                tech.tablesaw.api.IntColumn.create("host_mem_total_mib"), tech.tablesaw.api.IntColumn.create("host_mem_available_mib"));
        for (int s = 0; s < 120; s++) {
            samples.instantColumn("ts").append(START.plusSeconds(s));
            samples.intColumn("gpu").append(0);
            samples.intColumn("mem_used_mib").append(30000);
            samples.intColumn("mem_total_mib").append(81559);
            samples.stringColumn("host").append("gpu-box");
            samples.stringColumn("source").append("nvml");
            samples.intColumn("host_mem_total_mib").append(515000);
            samples.intColumn("host_mem_available_mib").append(s < 100 ? 200000 : 1200);
        }
        GpuFindings g = new GpuFindings("artifacts/nvml-audit.jsonl", samples, null, START, START.plusSeconds(120));
        GpuFindings.HostMemory hm = g.hostMemoryLow();
        assertNotNull(hm);
        assertEquals(1200, hm.available());
        assertTrue(hm.describe().startsWith("1,200 of 515,000 MiB (0.2 %) at " + START.plusSeconds(100) + " on gpu-box"), hm.describe());
        samples.intColumn("host_mem_available_mib").set(samples.intColumn("host_mem_available_mib").isLessThan(100000), 300000);
        assertNull(new GpuFindings("a", samples, null, START, START.plusSeconds(120)).hostMemoryLow(), "plenty of host memory");
    }

    @Test
    void lowHostMemoryInTheAuditNamesTheOomKillerOfASigkilledRun() throws Exception {
        Fixture f = new Fixture("hostmem").run("failed", 137, "SIGKILL", null);
        for (int s = 0; s < f.seconds; s++) {
            f.event("{\"ts\":\"" + START.plusSeconds(s) + "\",\"host\":\"gpu-box\",\"gpu\":0,\"mem_used_mib\":30000,\"mem_total_mib\":81559,"
                    + "\"host_mem_total_mib\":515000,\"host_mem_available_mib\":" + (s < 100 ? 200000 : 900) + ",\"source\":\"nvml\"}");
        }
        Postmortem p = f.log("").postmortem();
        assertEquals("killed", first(p).kind());
        if (Artifacts.of(f.b).audit().samples().containsColumn("host_mem_available_mib")) {
            assertTrue(first(p).summary().contains("likely the kernel's OOM killer — host memory available fell to 900 of 515,000 MiB"), first(p).summary());
        } else {
            assertTrue(first(p).summary().contains("the audit has no host memory figures"), first(p).summary());
        }
    }

    @Test
    void timeoutCancelledAndHostLostComeFirst() throws Exception {
        Postmortem t = new Fixture("timeout").run("timeout", 143, "SIGTERM", "max_runtime 2h exceeded").samples(s -> 30000).log("").postmortem();
        assertEquals("timeout", first(t).kind(), t::toString);
        assertTrue(first(t).summary().contains("max_runtime 2h exceeded"));
        assertTrue(quotes(first(t), "runtime/last_run.json", "\"state\": \"timeout\""));

        Postmortem c = new Fixture("cancel").run("cancelled", 143, "SIGTERM", "cancelled while running").samples(s -> 30000).log("").postmortem();
        assertEquals("cancelled", first(c).kind(), c::toString);
        assertFalse(kinds(c).contains("killed"));

        Postmortem l = new Fixture("lost").run("lost", null, null, "host unreachable: last seen 2025-11-28T18:01:59Z").samples(s -> 30000).log("").postmortem();
        assertEquals("host_lost", first(l).kind(), l::toString);
        assertTrue(first(l).summary().contains("host unreachable"), first(l).summary());

        // still "running", but the last heartbeat is long ago
        Postmortem r = new Fixture("stale").run("running", null, null, null).samples(s -> 30000).log("").postmortem();
        assertEquals("host_lost", first(r).kind(), r::toString);
    }

    @Test
    void nanLossIsFoundInLoggingJsonl() throws Exception {
        Postmortem p = new Fixture("nan").run("failed", 1, null, null).samples(s -> 30000).log("")
                .logging("{\"loss\": 1.2, \"global_step/max_steps\": \"5/100\"}\n{\"loss\": NaN, \"grad_norm\": NaN, \"global_step/max_steps\": \"10/100\"}\n")
                .postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("nan_loss", c.kind(), p::toString);
        assertEquals("artifacts/checkpoints/v0-20251128-180000/logging.jsonl", c.evidence().get(0).file());
        assertEquals(2, c.evidence().get(0).line());
        assertTrue(p.questions().get(3).answer().contains("NaN/inf loss first at artifacts/checkpoints/v0-20251128-180000/logging.jsonl:2"));
        Postmortem q = new Fixture("naninf").run("failed", 1, null, null).samples(s -> 30000).log("{'loss': inf, 'grad_norm': nan, 'epoch': 0.9}\n").postmortem();
        assertEquals("nan_loss", first(q).kind());
        assertEquals(41, first(q).evidence().get(0).line());
    }

    @Test
    void onlyThermalOrHardwareSlowdownIsThermalAndSimulatedSamplesSaySo() throws Exception {
        Postmortem p = new Fixture("hot").run("failed", 1, null, null).samples(s -> 30000, 0x40, "[\"hw_thermal_slowdown\"]", "simulated").log("").postmortem();
        Postmortem.Cause c = first(p);
        assertEquals("thermal", c.kind(), p::toString);
        assertTrue(c.simulated());
        assertTrue(c.summary().startsWith("SIMULATED"), c.summary());
        assertTrue(c.summary().contains("up to 91 C"), c.summary());
        assertTrue(p.questions().get(4).answer().startsWith("SIMULATED samples"));
        assertTrue(p.toJson().contains("\"simulated\" : true"));
    }

    @Test
    void aFailureWithNothingElseToGoOnSaysSo() throws Exception {
        Postmortem p = new Fixture("bare").run("failed", 2, null, null).samples(s -> 30000).log("usage: train.py [-h]\n").postmortem();
        assertEquals(List.of("nonzero_exit"), kinds(p));
        assertTrue(quotes(first(p), "artifacts/training.log", "usage: train.py [-h]"));
    }

    @Test
    void jsonTextAndHtmlShowTheSameObject() throws Exception {
        Postmortem p = new Fixture("views").run("failed", 1, null, null).samples(s -> 30000)
                .log(TRACE_HEAD + "RuntimeError: simulated crash at step 30 (--crash-at-step)\n").postmortem();
        JsonNode n = Json.MAPPER.readTree(p.toJson());
        assertEquals("orbit.postmortem.v1", n.get("schema_version").asText());
        assertEquals("views", n.get("bundle").asText());
        assertEquals("20251128T180000Z-1a2b", n.get("run_id").asText());
        assertEquals(1, n.get("exit_code").asInt());
        assertTrue(n.get("signal").isNull());
        assertEquals(5, n.get("questions").size());
        for (JsonNode q : n.get("questions")) assertTrue(q.has("question") && q.has("answer") && q.get("evidence").isArray(), q::toString);
        JsonNode c = n.get("causes").get(0);
        assertEquals("python_exception", c.get("kind").asText());
        assertFalse(c.get("simulated").asBoolean());
        JsonNode e = c.get("evidence").get(0);
        assertEquals("artifacts/training.log", e.get("file").asText());
        assertEquals(46, e.get("line").asInt());
        assertFalse(e.has("ts") || e.has("offset"));
        String text = p.toString(), html = p.mimeBundle().get("text/html");
        for (JsonNode q : n.get("questions")) {
            assertTrue(text.contains(q.get("answer").asText()), q.get("answer").asText());
            assertTrue(html.contains(orbit.display.TableHtml.escape(q.get("answer").asText())), q.get("answer").asText());
        }
        assertTrue(text.contains("1. python_exception: RuntimeError: simulated crash at step 30 (--crash-at-step)"), text);
        assertTrue(text.contains("artifacts/training.log:46  RuntimeError: simulated crash"), text);
        assertTrue(html.contains("<b>python_exception</b>: RuntimeError: simulated crash at step 30 (--crash-at-step)"), html);
        assertTrue(p.headline().contains("failed, exit 1, step 120/438") && p.headline().endsWith("likely: python_exception"), p.headline());
    }

    @Test
    void aBundleWithNothingButRuntimeStillGivesAPostmortem() throws Exception {
        Path b = Files.createDirectories(dir.resolve("bare/runtime"));
        Files.writeString(b.resolve("last_run.json"), "{\"state\":\"failed\",\"exit_code\":137}");
        Postmortem p = Artifacts.of(dir.resolve("bare")).postmortem();
        assertEquals("failed", p.run().state());
        assertFalse(p.notes().isEmpty());
        assertEquals("killed", first(p).kind());
        assertTrue(p.questions().get(0).answer().startsWith("unknown"));
        assertNotNull(p.mimeBundle().get("text/html"));
    }

    @Test
    void plotsArePngsThatDecode() throws Exception {
        Fixture f = new Fixture("plot");
        f.seconds = 3000;
        f.run("failed", 1, null, null).samples(s -> 20000 + s * 10).log("");
        f.postmortem();
        Artifacts a = Artifacts.of(f.b);
        for (Plot plot : List.of(a.plotGpuMemory(), a.plotUtilization(), a.plotLoss())) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(plot.png()));
            assertNotNull(img, plot.title());
            assertEquals(Plots.WIDTH, img.getWidth());
            byte[] again = Base64.getDecoder().decode(plot.mimeBundle().get("image/png"));
            assertArrayEquals(plot.png(), again);
        }
        Path out = a.plotGpuMemory().write(dir.resolve("out/mem.png"));
        assertNotNull(ImageIO.read(out.toFile()));
    }

    @Test
    void plotsOfSimulatedSamplesSaySo() {
        Table samples = Table.create("nvml-audit", tech.tablesaw.api.InstantColumn.create("ts"), tech.tablesaw.api.IntColumn.create("gpu"),
                tech.tablesaw.api.DoubleColumn.create("mem_used_mib"), tech.tablesaw.api.DoubleColumn.create("mem_total_mib"),
                tech.tablesaw.api.DoubleColumn.create("util_gpu"), tech.tablesaw.api.StringColumn.create("source"));
        for (int i = 0; i < 3; i++) {
            samples.instantColumn("ts").append(java.time.Instant.ofEpochSecond(1_000 + i));
            samples.intColumn("gpu").append(0);
            samples.doubleColumn("mem_used_mib").append(100.0 * i);
            samples.doubleColumn("mem_total_mib").append(1000.0);
            samples.doubleColumn("util_gpu").append(50.0);
            samples.stringColumn("source").append("simulated");
        }
        assertEquals("run: GPU memory (SIMULATED GPUs)", Plots.gpuMemory(samples, "run").title());
        assertEquals("run: GPU utilization (SIMULATED GPUs)", Plots.utilization(samples, "run").title());
        samples.stringColumn("source").set(samples.stringColumn("source").isEqualTo("simulated"), "nvml");
        assertEquals("run: GPU memory", Plots.gpuMemory(samples, "run").title(), "measured samples carry no label");
    }

    @Test
    void thinningKeepsPeaksAndBoundsPoints() {
        int n = 86400;
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i == 50000 ? 1e6 : 10;
        }
        double[][] t = Plots.thin(x, y, 960);
        assertTrue(t[0].length <= 2 * 960 + 2, "thinned to about the image width");
        assertTrue(java.util.Arrays.stream(t[1]).anyMatch(v -> v == 1e6), "a one-sample spike survives");
    }
}
