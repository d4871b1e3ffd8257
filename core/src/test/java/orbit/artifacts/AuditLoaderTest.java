package orbit.artifacts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

class AuditLoaderTest {
    @TempDir
    Path dir;

    static String sample(String ts, int gpu, int memUsed) {
        return "{\"ts\":\"" + ts + "\",\"host\":\"gpu-box\",\"gpu\":" + gpu + ",\"uuid\":\"GPU-" + gpu + "\",\"name\":\"NVIDIA H100 80GB HBM3\","
                + "\"util_gpu\":97,\"util_mem\":40,\"mem_used_mib\":" + memUsed + ",\"mem_total_mib\":81559,\"temp_c\":71,"
                + "\"power_w\":305.81,\"power_limit_w\":700.0,\"energy_j\":123456.5,\"sm_clock_mhz\":1980,\"mem_clock_mhz\":2619,"
                + "\"throttle_reasons\":4,\"throttle_reason_names\":[\"sw_power_cap\"],\"ecc_corrected\":0,\"ecc_uncorrected\":null,"
                + "\"pcie_tx_kbps\":1000,\"pcie_rx_kbps\":2000,\"pstate\":\"P0\",\"procs\":[{\"pid\":42,\"mem_mib\":17000},{\"pid\":43,\"mem_mib\":300}],"
                + "\"source\":\"nvml\"}";
    }

    @Test
    void samplesBecomeTypedColumnsAndEventsTheirOwnTable() throws Exception {
        Path f = dir.resolve("nvml-audit.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"ts\":\"2026-11-28T18:01:00.000Z\",\"host\":\"gpu-box\",\"event\":\"sampler_start\",\"source\":\"nvml\"}",
                sample("2026-11-28T18:01:02.123Z", 0, 17304),
                sample("2026-11-28T18:01:02.123Z", 1, 500),
                "{\"ts\":\"2026-11-28T18:01:03.000Z\",\"host\":\"gpu-box\",\"event\":\"xid\",\"gpu\":1,\"xid\":79,\"reason\":\"fallen off the bus\"}",
                "{\"ts\":\"2026-11-28T18:01:04+00:00\",\"gpu\":0,\"mem_used_mib\":\"17305 MiB\",\"power_w\":null}") + "\n");
        Audit a = AuditLoader.load(f);
        Table t = a.samples();
        assertEquals(3, t.rowCount());
        assertEquals(ColumnType.INSTANT, t.column("ts").type());
        assertEquals(ColumnType.INTEGER, t.column("mem_used_mib").type());
        assertEquals(ColumnType.DOUBLE, t.column("power_w").type());
        assertEquals(Instant.parse("2026-11-28T18:01:02.123Z"), t.instantColumn("ts").get(0));
        assertEquals(Instant.parse("2026-11-28T18:01:04Z"), t.instantColumn("ts").get(2));
        assertEquals(17304, t.intColumn("mem_used_mib").get(0));
        assertEquals(17305, t.intColumn("mem_used_mib").get(2), "unit in a string value is read as a number");
        assertTrue(t.doubleColumn("power_w").isMissing(2));
        assertTrue(t.intColumn("ecc_uncorrected").isMissing(0));
        assertEquals(2, t.intColumn("proc_count").get(0));
        assertEquals(17300, t.intColumn("proc_mem_mib").get(0));
        assertEquals("sw_power_cap", t.stringColumn("throttle_reason_names").get(0));
        assertEquals(4L, t.longColumn("throttle_reasons").get(0));
        assertEquals("gpu-box", t.stringColumn("host").get(1));
        assertEquals(2, a.events().rowCount());
        assertEquals("xid", a.events().stringColumn("event").get(1));
        assertEquals(79, ((Number) a.events().column("xid").get(1)).intValue());
        assertEquals(Instant.parse("2026-11-28T18:01:03Z"), a.events().instantColumn("ts").get(1));
        assertEquals(0, a.report().corruptLines());
        assertNull(a.report().truncated());
    }

    @Test
    void truncatedLastLineIsReportedNotFatal() throws Exception {
        Path f = dir.resolve("nvml-audit.jsonl");
        String first = sample("2026-11-28T18:01:02.123Z", 0, 1) + "\n";
        String cut = sample("2026-11-28T18:01:03.123Z", 0, 2).substring(0, 80);
        Files.writeString(f, first + cut);
        Audit a = AuditLoader.load(f);
        assertEquals(1, a.samples().rowCount());
        LoadReport.Truncation tr = a.report().truncated();
        assertNotNull(tr);
        assertEquals(first.getBytes(StandardCharsets.UTF_8).length, tr.byteOffset());
        assertEquals(2, tr.lineNumber());
        assertEquals(80, tr.length());
        assertTrue(a.report().summary().contains("byte offset " + first.length()), a.report().summary());
        assertTrue(a.mimeBundle().get("text/html").contains("truncated last line"));
    }

    @Test
    void corruptMiddleLinesAreSkippedAndCounted() throws Exception {
        Path f = dir.resolve("nvml-audit.jsonl");
        Files.writeString(f, String.join("\n",
                sample("2026-11-28T18:01:01.000Z", 0, 1),
                "{\"ts\":\"2026-11-28T18:01:02.000Z\",\"gpu\":0,\"mem_used_mib\":12{{{",
                "garbage",
                "",
                sample("2026-11-28T18:01:03.000Z", 0, 3) + sample("2026-11-28T18:01:03.000Z", 1, 3),
                sample("2026-11-28T18:01:04.000Z", 0, 4)) + "\n");
        Audit a = AuditLoader.load(f);
        assertEquals(2, a.samples().rowCount());
        assertEquals(3, a.report().corruptLines());
        assertEquals(java.util.List.of(2L, 3L, 5L), a.report().corruptLineNumbers());
        assertNull(a.report().truncated(), "a bad line followed by a newline is corrupt, not truncated");
        assertEquals(4, a.samples().intColumn("mem_used_mib").get(1));
        assertTrue(a.samples().intColumn("util_gpu").get(1) == 97, "a skipped line leaves nothing behind in the next row");
    }

    @Test
    void linesLongerThanTheReadBlockAreRead() throws Exception {
        Path f = dir.resolve("big.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 30000; i++) sb.append(sample("2026-11-28T18:01:01.000Z", i % 8, i)).append('\n');
        Files.writeString(f, sb);
        Audit a = AuditLoader.load(f);
        assertEquals(30000, a.samples().rowCount());
        assertEquals(29999, a.samples().intColumn("mem_used_mib").get(29999));
        assertTrue(a.report().clean(), a.report().summary());
    }

    @Test
    void aBadLineDeepInALargeFileCostsOnlyThatLine() throws Exception {
        Path f = dir.resolve("big.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 40000; i++) {
            if (i == 20000) sb.append("{\"ts\":\"2026-11-28T18:01:02.000Z\",\"gpu\":0,\"mem_used_mib\":12{{{\n");
            else if (i == 20001) sb.append("\n");
            else if (i == 25000) sb.append("{\"ts\":\"2026-11-28T18:01:03.000Z\",\"host\":\"gpu-box\",\"event\":\"xid\",\"gpu\":3,\"xid\":48}\n");
            else if (i == 30000) sb.append("{\"gpu\":1,\n\"mem_used_mib\":5}\n"); // one object over lines 30000-30001
            else if (i == 30001) continue;
            else sb.append(sample("2026-11-28T18:01:01.000Z", i % 8, i)).append('\n');
        }
        Files.writeString(f, sb);
        Audit a = AuditLoader.load(f);
        assertEquals(40000 - 5, a.samples().rowCount());
        assertEquals(java.util.List.of(20000L, 30000L, 30001L), a.report().corruptLineNumbers());
        assertEquals(19999, a.samples().intColumn("mem_used_mib").get(19998));
        assertEquals(20002, a.samples().intColumn("mem_used_mib").get(19999), "the row after the bad and the blank line");
        assertEquals(39999, a.samples().intColumn("mem_used_mib").get(a.samples().rowCount() - 2));
        assertEquals(1, a.events().rowCount());
        assertEquals(48, ((Number) a.events().column("xid").get(0)).intValue());
        assertNull(a.report().truncated());
    }

    @Test
    void twoObjectsOnOneLineOrALoneCarriageReturnKeepLineNumbersExact() throws Exception {
        Path f = dir.resolve("cr.jsonl");
        Files.writeString(f, sample("2026-11-28T18:01:01.000Z", 0, 1) + "\r\n"
                + sample("2026-11-28T18:01:02.000Z", 0, 2) + " " + sample("2026-11-28T18:01:02.000Z", 1, 2) + "\n"
                + sample("2026-11-28T18:01:03.000Z", 0, 3) + "\r" + sample("2026-11-28T18:01:04.000Z", 0, 4) + "\n"
                + "[1,2]\n" + sample("2026-11-28T18:01:05.000Z", 0, 5) + "\n");
        Audit a = AuditLoader.load(f);
        assertEquals(java.util.List.of(2L, 5L), a.report().corruptLineNumbers());
        assertEquals(java.util.List.of(1, 3, 4, 5), a.samples().intColumn("mem_used_mib").asList());
    }

    @Test
    void cuttingTheFileIntoPiecesReadOnTheirOwnThreadsChangesNothing() throws Exception {
        Path f = dir.resolve("pieces.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 3000; i++) {
            if (i % 997 == 0) sb.append("{\"ts\":\"2026-11-28T18:01:02.000Z\",\"gpu\":0,\"mem_used_mib\":12{{{\n");
            else if (i % 701 == 0) sb.append("{\"ts\":\"2026-11-28T18:01:03.000Z\",\"host\":\"gpu-box\",\"event\":\"xid\",\"gpu\":3,\"xid\":").append(i).append("}\n");
            else if (i == 2222) sb.append("{\"ts\":\"2026-11-28T18:01:03.000Z\",\"event\":\"gpu_lost\",\"detail\":{\"bus\":\"0000:17:00.0\"}}\n");
            else if (i % 503 == 0) sb.append("{\"gpu\":1,\n\"mem_used_mib\":5}\n"); // one object over two lines
            else if (i % 401 == 0) sb.append(sample("2026-11-28T18:01:01.000Z", 0, i)).append('\r'); // a lone carriage return
            else if (i % 307 == 0) sb.append(sample("2026-11-28T18:01:01.000Z", 0, i)).append(' ').append(sample("2026-11-28T18:01:01.000Z", 1, i)).append('\n');
            else if (i % 211 == 0) sb.append("{\"gpu\":2,\"mem_used_mib\":\"").append(i).append(" MiB\",\"extra_").append(i % 3).append("\":1}\r\n");
            else if (i % 101 == 0) sb.append("\n");
            else sb.append(sample("2026-11-28T18:01:01.000Z", i % 8, i)).append('\n');
        }
        sb.append(sample("2026-11-28T18:01:09.000Z", 0, 1), 0, 90); // cut off mid-write
        Files.writeString(f, sb);
        Audit one = AuditLoader.load(f, 1, true);
        assertTrue(one.report().corruptLines() > 3 && one.report().truncated() != null && one.events().rowCount() > 3, one.report().summary());
        for (int parts : new int[] {2, 3, 7, 40}) assertSame(one, AuditLoader.load(f, parts, true), parts + " pieces");
        assertSame(one, AuditLoader.load(f, 1, false), "Jackson only");
    }

    /** Same rows, values (bit for bit), types, events and report. */
    static void assertSame(Audit expected, Audit actual, String what) {
        assertEquals(expected.report(), actual.report(), what);
        assertEquals(expected.samples().columnNames(), actual.samples().columnNames(), what);
        assertEquals(expected.samples().rowCount(), actual.samples().rowCount(), what);
        for (String c : expected.samples().columnNames()) {
            assertEquals(expected.samples().column(c).type(), actual.samples().column(c).type(), c);
            java.util.List<?> e = expected.samples().column(c).asList(), a = actual.samples().column(c).asList();
            for (int i = 0; i < e.size(); i++) {
                Object x = e.get(i), y = a.get(i);
                if (x instanceof Double dx && y instanceof Double dy) {
                    assertEquals(Double.doubleToRawLongBits(dx), Double.doubleToRawLongBits(dy), c + " row " + i + " " + dx + " vs " + dy + ", " + what);
                } else {
                    assertEquals(x, y, c + " row " + i + ", " + what);
                }
            }
        }
        assertEquals(expected.events().columnNames(), actual.events().columnNames(), what);
        for (String c : expected.events().columnNames()) assertEquals(expected.events().column(c).asList(), actual.events().column(c).asList(), c);
    }

    @Test
    void linesReadStraightFromTheirBytesGiveWhatJacksonGives() throws Exception {
        String[] values = {
                "0", "-0", "7", "-7", "2147483647", "2147483648", "-2147483648", "-2147483649", "999999999999999999",
                "9999999999999999999", "123456789012345678901234", "01", "-", "1.", ".5", "0.5", "-0.0", "0.0", "305.81",
                "1e3", "1E-2", "2.5e+1", "5.61234567E7", "6.5E-7", "1.0E22", "1.0E23", "1e-22", "12345.6789e-30", "1.5e", "1.5e+", "1e00001", "-1.25E2", "12.345678901234", "1.2345678901234567", "0.1000000000000001", "9007199254740993",
                "700.0", "null", "true", "false", "\"17 MiB\"", "\"\"", "\"x\"", "[]", "{}", "nul", "12abc", "\"P0\"",
                "\"caf\u00e9\"", "\"tab\\tbed\"", "\"\\u0041\"", "[\"a\",\"b\"]", "[ \"a\" , \"b\" ]", "[1,\"a\"]",
                "[{\"pid\":1,\"mem_mib\":2}]", "[{\"mem_mib\":null},{}]", "[{\"pid\":\"x\",\"mem_mib\":3.5}]", "[{\"mem_mib\":\"4\"}]",
                "[ { \"pid\" : 1 , \"mem_mib\" : 2 } , { \"mem_mib\" : 5 } ]", "[7]", "[[]]", "{\"a\":1}",
                "\"2026-11-28T18:01:02.123Z\"", "\"2026-11-28T18:01:02Z\"", "\"2026-11-28T18:01:02.123+00:00\"",
                "\"2026-13-28T18:01:02.123Z\"", "\"2026-02-30T18:01:02.123Z\"", "\"2024-02-29T18:01:02.123Z\"", "\"2026-11-28 18:01:02\"", "\"1764352862\"", "1764352862123"};
        String[] keys = {"ts", "gpu", "util_gpu", "mem_used_mib", "power_w", "energy_j", "throttle_reasons", "throttle_reason_names",
                "procs", "host", "uuid", "pstate", "name", "source"};
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        StringBuilder sb = new StringBuilder();
        String[] gaps = {"", "", "", " ", "\t", "  "};
        for (String key : keys) {
            for (String v : values) {
                String base = sample("2026-11-28T18:01:0" + rnd.nextInt(10) + ".000Z", rnd.nextInt(8), rnd.nextInt(80000));
                String gap = gaps[rnd.nextInt(gaps.length)];
                String line = base.replaceFirst("\"" + key + "\":(\\[[^\\]]*\\]|\"[^\"]*\"|[^,}]*)",
                        java.util.regex.Matcher.quoteReplacement("\"" + key + "\"" + gap + ":" + gap + v));
                sb.append(gap).append(line).append(gap).append(rnd.nextInt(5) == 0 ? "\r\n" : "\n");
                // plain lines between, so that the odd ones stay few enough for the plain reader to stay on
                for (int i = 0; i < 8; i++) sb.append(sample("2026-11-28T18:02:0" + i + ".000Z", i, rnd.nextInt(80000))).append('\n');
            }
        }
        sb.append("{}\n { \"gpu\" : 1 }\n{\"gpu\":1}{\"gpu\":2}\n{\"gpu\":1,}\n{\"gpu\":1\n}\n{\"gp\\u0075\":3}\n{\"extra\":1,\"gpu\":4}\n");
        sb.append("{\"ts\":\"2026-11-28T18:01:03.000Z\",\"host\":\"gpu-box\",\"event\":\"xid\",\"gpu\":3,\"xid\":48}\n");
        Path f = dir.resolve("shapes.jsonl");
        Files.writeString(f, sb);
        Audit jackson = AuditLoader.load(f, 1, false);
        Audit plain = AuditLoader.load(f, 1, true);
        assertTrue(jackson.samples().rowCount() > 500 && jackson.report().corruptLines() > 20, jackson.report().summary());
        assertSame(jackson, plain, "plain lines");
        assertSame(jackson, AuditLoader.load(f, 5, true), "plain lines in pieces");
    }

    @Test
    void aDateThatDoesNotExistIsMissingNotAnotherDay() throws Exception {
        Path f = dir.resolve("dates.jsonl");
        Files.writeString(f, String.join("\n",
                sample("2026-02-30T18:01:02.123Z", 0, 1),
                sample("2024-02-29T18:01:02.123Z", 0, 2),
                sample("2026-04-31T00:00:00Z", 0, 3)) + "\n");
        for (boolean plainLines : new boolean[] {true, false}) {
            Table t = AuditLoader.load(f, 1, plainLines).samples();
            assertTrue(t.instantColumn("ts").isMissing(0), "February 30th");
            assertEquals(Instant.parse("2024-02-29T18:01:02.123Z"), t.instantColumn("ts").get(1));
            assertTrue(t.instantColumn("ts").isMissing(2), "April 31st");
        }
    }

    @Test
    void duplicateKeysAndOutOfRangeNumbersAreWarningsWithLineNumbers() throws Exception {
        Path f = dir.resolve("nvml-audit.jsonl");
        String ok = sample("2026-11-28T18:01:01.000Z", 0, 1);
        Files.writeString(f, String.join("\n",
                ok,
                ok.replace("\"gpu\":0,", "\"gpu\":0,\"gpu\":3,"),                 // line 2: gpu twice
                ok.replace("\"power_w\":305.81", "\"power_w\":1e999999"),            // line 3
                ok.replace("\"mem_used_mib\":1,", "\"mem_used_mib\":1e999999,"),     // line 4
                ok.replace("\"temp_c\":71", "\"temp_c\":99999999999"),               // line 5: not an int
                ok.replace("\"power_w\":305.81", "\"power_w\":-1e999999"),           // line 6
                ok.replace("\"throttle_reasons\":4", "\"throttle_reasons\":18446744073709551616")) // line 7: 2^64
                + "\n");
        for (Audit a : java.util.List.of(AuditLoader.load(f), AuditLoader.load(f, 1, false), AuditLoader.load(f, 3, true))) {
            Table t = a.samples();
            assertEquals(7, t.rowCount(), "the rows are kept");
            assertEquals(3, t.intColumn("gpu").get(1), "the last value of a duplicate key");
            assertTrue(t.doubleColumn("power_w").isMissing(2));
            assertTrue(t.intColumn("mem_used_mib").isMissing(3));
            assertTrue(t.intColumn("temp_c").isMissing(4));
            assertTrue(t.doubleColumn("power_w").isMissing(5));
            assertTrue(t.longColumn("throttle_reasons").isMissing(6));
            assertEquals(305.81, t.doubleColumn("power_w").get(0));
            assertEquals(java.util.List.of(
                    "duplicate key gpu (the last value kept) on 1 line (line 2)",
                    "number out of range for power_w (left empty) on 2 lines (lines 3, 6)",
                    "number out of range for mem_used_mib (left empty) on 1 line (line 4)",
                    "number out of range for temp_c (left empty) on 1 line (line 5)",
                    "number out of range for throttle_reasons (left empty) on 1 line (line 7)"), a.report().remarks());
        }
    }

    @Test
    void eventLinesKeysAreNotUnknownKeys() throws Exception {
        Path f = dir.resolve("nvml-audit.jsonl");
        Files.writeString(f, "{\"ts\":\"2026-11-28T18:01:00.000Z\",\"host\":\"b\",\"event\":\"sampler_start\",\"schema_version\":\"orbit.nvml_audit.v1\",\"interval_ms\":1000}\n"
                + sample("2026-11-28T18:01:01.000Z", 0, 1).replace("\"source\"", "\"fan_pct\":30,\"source\"") + "\n");
        Audit a = AuditLoader.load(f);
        assertEquals(java.util.List.of("keys not in orbit.nvml_audit.v1 ignored: fan_pct"), a.report().remarks());
    }

    @Test
    void missingFileIsOneLineWithAFix() {
        var e = assertThrows(orbit.OrbitException.class, () -> AuditLoader.load(dir.resolve("nope.jsonl")));
        assertFalse(e.getMessage().contains("\n"));
    }
}
