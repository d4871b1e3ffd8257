package orbit.artifacts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LoadersTest {
    @TempDir
    Path dir;

    @Test
    void nvidiaSmiCsvWithRepeatedHeadersUnitsAndNaMapsToAuditColumns() throws Exception {
        String header = "timestamp, index, name, memory.used [MiB], memory.total [MiB], utilization.gpu [%], power.draw [W], clocks_throttle_reasons.active, fan.speed [%]";
        String header2 = "index, timestamp, utilization.gpu [%], memory.used [MiB]"; // a different order and subset
        Path f = dir.resolve("nvidia-smi.csv");
        Files.writeString(f, String.join("\n",
                header,
                "2026/01/03 15:36:53.507, 0, NVIDIA H100 80GB HBM3, 17304 MiB, 81559 MiB, 97 %, 305.81 W, 0x0000000000000004, [N/A]",
                header,
                "2026/01/03 15:36:54.511, 0, NVIDIA H100 80GB HBM3, 17310 MiB, 81559 MiB, [Not Supported], [N/A], 0x0000000000000000, 30 %",
                header,
                "2026/01/03 15:37:30.000, 0, NVIDIA H100 80GB HBM3, 17310 MiB, 81559 MiB, 5 %", // wrong cell count: corrupt
                header2,
                "1, 2026/01/03 15:40:00.000, 50 %, 1024 MiB",
                header2,
                "1, 2026/01/03 15:40:01.000, 5")); // cut off mid-write, no newline
        Audit a = Artifacts.audit(f);
        Table t = a.samples();
        assertEquals(3, t.rowCount(), t.print());
        assertEquals(ColumnType.INTEGER, t.column("mem_used_mib").type());
        assertEquals(17304, t.intColumn("mem_used_mib").get(0));
        assertEquals(81559, t.intColumn("mem_total_mib").get(0));
        assertEquals(97, t.intColumn("util_gpu").get(0));
        assertTrue(t.intColumn("util_gpu").isMissing(1), "[Not Supported] is a null");
        assertEquals(305.81, t.doubleColumn("power_w").get(0), 1e-9);
        assertTrue(t.doubleColumn("power_w").isMissing(1), "[N/A] is a null");
        assertEquals(4L, t.longColumn("throttle_reasons").get(0));
        assertEquals(Instant.parse("2026-01-03T15:36:53.507Z"), t.instantColumn("ts").get(0));
        assertEquals(1, t.intColumn("gpu").get(2));
        assertEquals(1024, t.intColumn("mem_used_mib").get(2));
        assertEquals("nvidia-smi", t.stringColumn("source").get(0));
        assertTrue(t.containsColumn("fan.speed"), "unknown columns are kept");
        assertEquals(1, a.report().corruptLines());
        assertNotNull(a.report().truncated(), "the unterminated last row is reported as truncated");
    }

    @Test
    void aCsvRowCutAtACommaIsATruncationWithItsOffsetNotARow() throws Exception {
        String header = "timestamp, index, memory.used [MiB], power.draw [W]";
        String first = header + "\n2026/01/03 15:36:53.507, 0, 17304 MiB, 305.81 W\n";
        Path f = dir.resolve("nvidia-smi.csv");
        Files.writeString(f, first + "2026/01/03 15:36:54.507, 0, 17310 MiB, "); // the cells add up, the last one is empty
        Audit a = Artifacts.audit(f);
        assertEquals(1, a.samples().rowCount());
        assertEquals(new LoadReport.Truncation(3, first.length(), 39), a.report().truncated());
        assertTrue(a.report().summary().contains("byte offset " + first.length()), a.report().summary());
    }

    @Test
    void csvNumbersOutOfRangeAndDuplicateColumnsAreWarningsWithLineNumbers() throws Exception {
        Path f = dir.resolve("nvidia-smi.csv");
        Files.writeString(f, String.join("\n",
                "timestamp, index, memory.used [MiB], power.draw [W], power.draw [W]",
                "2026/01/03 15:36:53.507, 0, 1e999999, 305.81 W, 305.81 W",
                "2026/01/03 15:36:54.507, 0, 17310 MiB, 1e999999, 301 W") + "\n");
        Audit a = Artifacts.audit(f);
        assertEquals(2, a.samples().rowCount());
        assertTrue(a.samples().intColumn("mem_used_mib").isMissing(0));
        assertEquals(java.util.List.of("nvidia-smi timestamps carry no zone: read as UTC",
                "duplicate column power_w in the header (the last value kept) on 1 line (line 1)",
                "number out of range for mem_used_mib (left empty) on 1 line (line 2)",
                "number out of range for power_w (left empty) on 1 line (line 3)"), a.report().remarks());
    }

    @Test
    void swift3MetricsWithPercentageAndIterPerSecond() throws Exception {
        Path f = dir.resolve("logging.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"loss\": 2.5, \"grad_norm\": 3.1, \"learning_rate\": 1e-05, \"memory(GiB)\": 17.5, \"train_speed(iter/s)\": 0.25, \"epoch\": 0.02, \"global_step/max_steps\": \"10/438\", \"percentage\": \"2.28%\", \"elapsed_time\": \"1m 20s\", \"remaining_time\": \"1h 2m 3s\", \"token_acc\": 0.41}",
                "{\"eval_loss\": 2.2, \"eval_runtime\": 12.3, \"eval_token_acc\": 0.45, \"epoch\": 0.1, \"global_step/max_steps\": \"50/438\", \"percentage\": \"11.42%\", \"elapsed_time\": \"3d 4h 5m 6s\", \"remaining_time\": \"60s\"}",
                "{\"loss\": 1.9, \"rewards/accuracy\": 0.7, \"memory(GiB)\": 18.0, \"train_speed(iter/s)\": 0.5, \"global_step/max_steps\": \"100/438\", \"percentage\": \"22.83%\", \"elapsed_time\": \"7m 0s\", \"remaining_time\": \"20m\"}",
                "{\"train_runtime\": 1234.5, \"train_samples_per_second\": 3.2, \"train_loss\": 1.7, \"epoch\": 3.0, \"global_step/max_steps\": \"438/438\", \"percentage\": \"100.00%\", \"elapsed_time\": \"20m 34s\", \"remaining_time\": \"0s\"}",
                "{\"last_model_checkpoint\": \"/x/checkpoint-438\", \"best_model_checkpoint\": null, \"best_metric\": null, \"global_step\": 438, \"log_history\": [{}, {}], \"memory\": {\"0\": \"18.0GiB\"}}") + "\n");
        Loaded l = SwiftMetricsLoader.load(f, null);
        Table t = l.table();
        assertEquals(List.of("train", "eval", "train", "end", "summary"), t.stringColumn("kind").asList());
        assertEquals(10, t.intColumn("step").get(0));
        assertEquals(438, t.intColumn("max_steps").get(0));
        assertEquals(438, t.intColumn("step").get(4), "summary global_step is the step");
        assertEquals(22.83, t.doubleColumn("percentage").get(2), 1e-9);
        assertEquals(80, t.doubleColumn("elapsed_s").get(0), 1e-9);
        assertEquals(3723, t.doubleColumn("remaining_s").get(0), 1e-9);
        assertEquals(273906, t.doubleColumn("elapsed_s").get(1), 1e-9);
        assertEquals(60, t.doubleColumn("remaining_s").get(1), 1e-9);
        assertEquals(4.0, t.doubleColumn("s_per_it").get(0), 1e-9, "0.25 iter/s is 4 s/it");
        assertEquals("iter/s", t.stringColumn("train_speed_unit").get(0));
        assertEquals(17.5, t.doubleColumn("memory_peak_gib").get(0), 1e-9);
        assertEquals(0.41, t.doubleColumn("token_acc").get(0), 1e-9);
        assertEquals(0.7, t.doubleColumn("rewards/accuracy").get(2), 1e-9);
        assertEquals(2.2, t.doubleColumn("eval_loss").get(1), 1e-9);
        assertEquals(2L, ((Number) t.column("log_history_entries").get(4)).longValue());
        assertFalse(t.containsColumn("memory(GiB)"));
        assertTrue(l.report().clean(), l.report().summary());
    }

    @Test
    void swift4RowsWithoutPercentageAndSecondsPerIteration() throws Exception {
        Path f = dir.resolve("logging.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"loss\": 2.5, \"memory(GiB)\": 17.5, \"train_speed(s/it)\": 3.5, \"epoch\": 0.02, \"global_step/max_steps\": \"10/100\", \"elapsed_time\": \"35s\", \"remaining_time\": \"5m 15s\"}",
                "{\"loss\": 2.4, \"memory(GiB)\": 17.6, \"train_speed(s/it)\": 3.4, \"global_step/max_steps\": \"20/100\", \"elapsed_time\": \"1m 9s\", \"remaining_time\": \"4m 32s\"}",
                "{\"loss\": 2.3, \"global_step/max_st") /* cut off mid-write */);
        Loaded l = SwiftMetricsLoader.load(f, "4.0.1");
        Table t = l.table();
        assertEquals(2, t.rowCount());
        assertEquals(3.5, t.doubleColumn("s_per_it").get(0), 1e-9);
        assertEquals("s/it", t.stringColumn("train_speed_unit").get(0));
        assertTrue(t.doubleColumn("percentage").isMissing(0));
        assertNotNull(l.report().truncated());
        assertEquals(3, l.report().truncated().lineNumber());
        assertTrue(l.report().warnings().stream().anyMatch(w -> w.contains("4.0.1")));
    }

    @Test
    void bundleMetricsUseTheSwiftVersionFromPrecheck() throws Exception {
        Path b = dir.resolve("run");
        Path ck = Files.createDirectories(b.resolve("artifacts/checkpoints/v0-20260103-153000"));
        Files.createDirectories(ck.resolve("checkpoint-10"));
        Files.writeString(ck.resolve("logging.jsonl"), "{\"loss\": 2.5, \"train_speed\": 2.0, \"global_step/max_steps\": \"10/100\"}\n");
        Files.writeString(b.resolve("artifacts/precheck.json"), "{\"schema_version\":\"orbit.precheck.v1\",\"ok\":true,\"deps\":[{\"name\":\"swift\",\"ok\":true,\"version\":\"3.12.5\"}]}");
        Loaded l = Artifacts.of(b).metrics();
        assertEquals("s/it", l.table().stringColumn("train_speed_unit").get(0), "3.12.5+ logs seconds per iteration");
        assertEquals(2.0, l.table().doubleColumn("s_per_it").get(0), 1e-9);
        assertEquals("v0-20260103-153000", l.table().stringColumn("run_dir").get(0));
        Files.writeString(b.resolve("artifacts/precheck.json"), "{\"ok\":true,\"deps\":[{\"name\":\"swift\",\"ok\":true,\"version\":\"3.8.0\"}]}");
        assertEquals(0.5, Artifacts.of(b).metrics().table().doubleColumn("s_per_it").get(0), 1e-9);
    }

    @Test
    void trainerStateLogHistoryKeepsSlashKeys() throws Exception {
        Path ck = Files.createDirectories(dir.resolve("run/artifacts/out/checkpoint-200"));
        Files.createDirectories(dir.resolve("run/artifacts/out/checkpoint-100"));
        Files.writeString(dir.resolve("run/artifacts/out/checkpoint-100/trainer_state.json"), "{\"log_history\":[]}");
        Files.writeString(ck.resolve("trainer_state.json"), """
                {"global_step": 200, "max_steps": 300, "log_history": [
                  {"epoch": 0.5, "grad_norm": 1.2, "learning_rate": 2e-5, "loss": 1.5, "step": 100, "rewards/chosen": -0.3},
                  {"epoch": 0.5, "eval_loss": 1.4, "eval_runtime": 3.2, "step": 100},
                  {"epoch": 1.0, "step": 200, "total_flos": 1.0e15, "train_loss": 1.3, "train_runtime": 99.5}
                ]}""");
        Loaded l = Artifacts.of(dir.resolve("run")).metrics();
        Table t = l.table();
        assertEquals(List.of("train", "eval", "end"), t.stringColumn("kind").asList());
        assertEquals(300, t.intColumn("max_steps").get(0));
        assertEquals(-0.3, t.doubleColumn("rewards/chosen").get(0), 1e-9);
        assertEquals(1.4, t.doubleColumn("eval_loss").get(1), 1e-9);
    }

    @Test
    void trainingLogLinesWithTimestampsWherePresent() throws Exception {
        Path f = dir.resolve("training.log");
        Files.writeString(f, "[INFO:swift] Start time of running main: 2026-01-03 15:36:53\n"
                + "2026-01-03 15:36:54,123 - INFO - step 1\n"
                + "[2026-01-03T15:36:55Z] done\n"
                + "Traceback (most recent call last):");
        Table t = Artifacts.log(f).table();
        assertEquals(4, t.rowCount());
        assertTrue(t.instantColumn("ts").isMissing(0));
        assertEquals(Instant.parse("2026-01-03T15:36:54.123Z"), t.instantColumn("ts").get(1));
        assertEquals(Instant.parse("2026-01-03T15:36:55Z"), t.instantColumn("ts").get(2));
        assertEquals("Traceback (most recent call last):", t.stringColumn("text").get(3));
    }

    @Test
    void manifestRunStateAndPrecheckFacts() throws Exception {
        Path b = Files.createDirectories(dir.resolve("run/artifacts"));
        Files.createDirectories(dir.resolve("run/runtime"));
        Files.writeString(b.resolve("manifest.json"), "{\"schema_version\":\"orbit.manifest.v1\",\"files\":[{\"path\":\"training.log\",\"size\":12,\"sha256\":\"ab\"},{\"size\":1}]}");
        Files.writeString(dir.resolve("run/runtime/last_run.json"), "{\"schema_version\":\"orbit.run.v1\",\"state\":\"failed\",\"exit_code\":1,\"started_at\":\"2026-11-28T18:01:02.123Z\",\"ended_at\":\"2026-11-28T19:01:02Z\",\"last_heartbeat\":\"2026-11-28T19:01:00Z\"}");
        Files.writeString(b.resolve("precheck.json"), "{\"ok\":false,\"python\":{\"version\":\"3.11.9\"},\"deps\":[{\"name\":\"torch\",\"ok\":false,\"error\":\"No module named torch\"}],\"fork\":null}");
        Artifacts a = Artifacts.of(dir.resolve("run"));
        Loaded m = a.manifest();
        assertEquals(1, m.rowCount());
        assertEquals(1, m.report().corruptLines());
        RunRecord r = a.run();
        assertEquals("failed", r.state());
        assertEquals(1, r.exitCode());
        assertTrue(r.failed() && r.ended());
        PrecheckFacts p = a.precheck();
        assertEquals("3.11.9", p.pythonVersion());
        assertEquals(List.of("dependency torch failed: No module named torch"), p.failures());
    }

    @Test
    void severalBundlesInOneTableWithABundleColumn() throws Exception {
        for (String name : List.of("a", "b")) {
            Path ck = Files.createDirectories(dir.resolve(name + "/artifacts/checkpoints/v0-1"));
            String extra = name.equals("b") ? ", \"token_acc\": 0.5" : "";
            Files.writeString(ck.resolve("logging.jsonl"), "{\"loss\": 1.0, \"global_step/max_steps\": \"1/2\"" + extra + "}\n{\"loss\": 0.5, \"global_step/max_steps\": \"2/2\"}\n");
        }
        Loaded l = Artifacts.metricsAcross(List.of(Artifacts.of(dir.resolve("a")), Artifacts.of(dir.resolve("b"))));
        Table t = l.table();
        assertEquals(4, t.rowCount());
        assertEquals("bundle", t.column(0).name());
        assertEquals(List.of("a", "a", "b", "b"), t.stringColumn("bundle").asList());
        assertTrue(t.doubleColumn("token_acc").isMissing(0));
        assertEquals(0.5, t.doubleColumn("token_acc").get(2), 1e-9);
    }

    @Test
    void durationsAndVersions() {
        assertEquals(3723.0, Units.seconds("1h 2m 3s"));
        assertEquals(273906.0, Units.seconds("3d 4h 5m 6s"));
        assertEquals(60.0, Units.seconds("60s"));
        assertEquals(3723.0, Units.seconds("1:02:03"));
        assertNull(Units.seconds("soon"));
        assertTrue(Versions.atLeast("3.12.5", "3.12.5"));
        assertTrue(Versions.atLeast("4.0.0rc1", "3.12.5"));
        assertFalse(Versions.atLeast("3.9.3", "3.12.5"));
    }
}
