package orbit.artifacts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import orbit.nvml.AuditSchema;
import orbit.nvml.AuditWriter;
import orbit.nvml.ClockReasons;
import orbit.nvml.GpuEvent;
import orbit.nvml.GpuSample;
import orbit.nvml.GpuSnapshot;
import orbit.nvml.HostMemory;
import orbit.nvml.NvidiaSmiCsv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Golden round trips: what each of ORBIT's two writers writes (the Java {@link AuditWriter}, and gpu-tracker.sh run
 * by bash against a STAND-IN nvidia-smi) has exactly the keys of {@link AuditSchema}, takes the loader's plain
 * path, loads with no remark, and every column holds the value the line holds. The two writers agree on the same
 * nvidia-smi row, and their clock-reason decoders agree on every one of the 64 bits.
 */
class AuditRoundTripTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyKeyTheJavaWriterWritesIsAColumnAndLoadsWithoutARemark() throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        Instant t0 = Instant.parse("2026-11-28T18:01:02.123Z");
        try (AuditWriter w = AuditWriter.open(audit, "gpu-box")) {
            w.write(new GpuEvent(t0, GpuEvent.SAMPLER_START, null, "nvml", null, Map.of("schema_version", AuditSchema.NAME)));
            for (int s = 0; s < 3; s++) {
                GpuSample full = new GpuSample(0, "GPU-0", "NVIDIA H100 80GB HBM3", "00000000:18:00.0", 97, 40, 17304L + s, 81559L,
                        64255L - s, 71, 305.81, 700.0, 123456.5 + s, 1980, 2619, 1755, 0x8000000000000204L,
                        ClockReasons.names(0x8000000000000204L), 3L, 0L, 1000L, 2000L, 5L, "P0",
                        List.of(new GpuSample.GpuProcess(42, 17000L), new GpuSample.GpuProcess(43, null)), "nvml", Map.of());
                Map<String, String> errors = new LinkedHashMap<>();
                errors.put("ecc_corrected", "Not Supported");
                errors.put("power_w", "N/A");
                GpuSample sparse = new GpuSample(1, "GPU-1", "NVIDIA H100 80GB HBM3", null, null, null, null, null, null, null, null,
                        null, null, null, null, null, null, null, null, null, null, null, null, null, null, "nvml", errors);
                w.write(new GpuSnapshot(t0.plusSeconds(s), "nvml", List.of(full, sparse)),
                        s == 2 ? HostMemory.UNKNOWN : new HostMemory(515_000L, 412_000L - s));
            }
            w.write(new GpuEvent(t0.plusSeconds(3), GpuEvent.SAMPLER_STOP, null, "nvml", "recorded 3 samples", Map.of("samples", 3)));
        }
        List<JsonNode> samples = checkSampleLines(audit);
        assertEquals(6, samples.size());
        assertEquals("9223372036854776324", samples.get(0).get("throttle_reasons").asText(), "the unsigned 64-bit mask");
        Audit a = loadBothWays(audit, samples, List.of());
        assertEquals(0x8000000000000204L, a.samples().longColumn("throttle_reasons").get(0));
        assertEquals("sw_power_cap,unknown_0x8000000000000200", a.samples().stringColumn("throttle_reason_names").get(0));
        assertEquals("ecc_corrected: Not Supported; power_w: N/A", a.samples().stringColumn("errors").get(1));
        assertEquals(515_000, a.samples().intColumn("host_mem_total_mib").get(0));
        assertTrue(a.samples().intColumn("host_mem_available_mib").isMissing(5));
        assertEquals(2, a.events().rowCount());
    }

    @Test
    void theBenchmarkWritesTheWritersLinesAndTheyLoadWithoutARemark() throws Exception {
        Path audit = dir.resolve("bench.jsonl");
        assertEquals(1 + 3 * 60, AuditLoadBench.generate(audit, 3, 60));
        List<JsonNode> samples = checkSampleLines(audit);
        assertEquals(180, samples.size());
        loadBothWays(audit, samples, List.of());
    }

    @Test
    void hostMemoryComesFromProcMeminfoInMib() {
        HostMemory m = HostMemory.parse("MemTotal:       131891220 kB\nMemFree:         1000 kB\nMemAvailable:   100000000 kB\n");
        assertEquals(new HostMemory(128800L, 97656L), m);
        assertEquals(HostMemory.UNKNOWN, HostMemory.parse("nothing here\n"));
        if (Files.isReadable(Path.of("/proc/meminfo"))) assertNotNull(HostMemory.read().totalMib());
    }

    /** Masks the stand-in nvidia-smi reports, one GPU each: every single bit, and a few mixes. */
    private static List<Long> masks() {
        List<Long> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) out.add(1L << bit);
        out.addAll(List.of(0L, 0x24L, 0x1ffL, 0xfffL, -1L, 0x8000000000000004L, 0x0000_0100_0000_0081L));
        return out;
    }

    @Test
    void theShellTrackerWritesWhatTheJavaWriterWritesForTheSameRowsAndDecodesEveryBitAlike() throws Exception {
        List<Long> masks = masks();
        Path audit = dir.resolve("artifacts/nvml-audit.jsonl");
        Path csv = dir.resolve("smi.csv");
        StringBuilder env = new StringBuilder();
        for (long m : masks) env.append(env.isEmpty() ? "" : " ").append(String.format("0x%016x", m));
        Process p = tracker(audit, Map.of("STANDIN_SMI_REASONS", env.toString(), "STANDIN_SMI_LOOPS", "2",
                "STANDIN_SMI_TEE", csv.toString()));
        try {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the tracker ends once the stand-in nvidia-smi has printed 2 loops");
        } finally {
            p.destroyForcibly();
        }
        List<JsonNode> samples = checkSampleLines(audit);
        List<String> rows = Files.readAllLines(csv);
        assertEquals(2 * masks.size(), samples.size(), Files.readString(dir.resolve("tracker.out")));
        assertEquals(rows.size(), samples.size());

        HostMemory local = HostMemory.read();
        Path javaAudit = dir.resolve("java-audit.jsonl");
        for (int i = 0; i < samples.size(); i++) {
            JsonNode shell = samples.get(i);
            long mask = masks.get(i % masks.size());
            assertEquals(Long.toUnsignedString(mask), shell.get("throttle_reasons").asText(), "mask of " + shell);
            List<String> names = new ArrayList<>();
            shell.get("throttle_reason_names").forEach(n -> names.add(n.asText()));
            assertEquals(ClockReasons.names(mask), names, "bit names of " + Long.toHexString(mask));
            if (local.totalMib() != null) assertEquals((long) local.totalMib(), shell.get("host_mem_total_mib").asLong());

            // the same nvidia-smi row through the Java decoder and writer gives the same line
            GpuSample s = NvidiaSmiCsv.parse(rows.get(i));
            Files.deleteIfExists(javaAudit);
            try (AuditWriter w = AuditWriter.open(javaAudit, shell.get("host").asText())) {
                w.write(new GpuSnapshot(Instant.parse(shell.get("ts").asText()), "nvidia-smi", List.of(s)),
                        new HostMemory(number(shell, "host_mem_total_mib"), number(shell, "host_mem_available_mib")));
            }
            JsonNode java = JSON.readTree(Files.readString(javaAudit));
            assertEquals(java, shell, "row " + rows.get(i));
        }
        // bit 63 alone is Long.MIN_VALUE, Tablesaw's missing long: reported, not read as a mask
        List<Long> lost = new ArrayList<>();
        List<String> lines = Files.readAllLines(audit);
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains("\"throttle_reasons\":9223372036854775808,")) lost.add(i + 1L);
        Audit a = loadBothWays(audit, samples, List.of("number out of range for throttle_reasons (left empty) on 2 lines (lines "
                + lost.get(0) + ", " + lost.get(1) + ")"));
        assertEquals(0x24L, a.samples().longColumn("throttle_reasons").get(masks.indexOf(0x24L)));
        assertEquals(-1L, a.samples().longColumn("throttle_reasons").get(masks.indexOf(-1L)), "all 64 bits");
        assertEquals("power_w: N/A; ecc_corrected: Not Supported; ecc_uncorrected: Not Supported",
                a.samples().stringColumn("errors").get(1));
    }

    private static Long number(JsonNode line, String key) {
        return line.get(key).isNull() ? null : line.get(key).asLong();
    }

    /**
     * Every sample line has exactly the schema's keys in its order (errors only where a field failed) and takes the
     * loader's plain path; returns the sample lines.
     */
    private static List<JsonNode> checkSampleLines(Path audit) throws IOException {
        List<String> all = AuditSchema.names();
        List<JsonNode> samples = new ArrayList<>();
        for (String line : Files.readAllLines(audit)) {
            JsonNode n = JSON.readTree(line);
            if (n.has(AuditSchema.EVENT_KEY)) continue;
            samples.add(n);
            List<String> keys = new ArrayList<>();
            n.fieldNames().forEachRemaining(keys::add);
            List<String> want = n.has("errors") ? all : all.subList(0, all.size() - 1);
            assertEquals(want, keys, "keys of " + line);
            byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
            // bit 63 alone (Tablesaw's missing long) is left to Jackson's way, which reports it
            if (!n.get("throttle_reasons").asText().equals("9223372036854775808")) {
                assertEquals(b.length - 1, new PlainAuditLine(new AuditColumns(4)).read(b, 0), "the plain path reads " + line);
            }
        }
        return samples;
    }

    /** Loads the file the plain way and Jackson's way: no remark, and every column equals the lines' values. */
    private static Audit loadBothWays(Path audit, List<JsonNode> samples, List<String> remarks) {
        Audit plain = AuditLoader.load(audit);
        Audit jackson = AuditLoader.load(audit, 1, false);
        for (Audit a : List.of(plain, jackson)) {
            assertEquals(remarks, a.report().remarks(), a.report().summary());
            Table t = a.samples();
            assertEquals(AuditSchema.columns(), t.columnNames());
            assertEquals(samples.size(), t.rowCount());
            for (int r = 0; r < samples.size(); r++) {
                JsonNode line = samples.get(r);
                for (AuditSchema.Key k : AuditSchema.SAMPLE_KEYS) {
                    JsonNode v = line.get(k.name());
                    boolean none = v == null || v.isNull();
                    String where = k.name() + " of row " + r + ": " + line;
                    switch (k.type()) {
                        case TIMESTAMP -> assertEquals(Instant.parse(v.asText()), t.instantColumn(k.name()).get(r), where);
                        case STRING -> assertEquals(none ? "" : v.asText(), t.stringColumn(k.name()).get(r), where);
                        case INT -> assertEquals(none ? null : v.intValue(), t.intColumn(k.name()).get(r), where);
                        case NUMBER -> assertEquals(none ? null : v.doubleValue(), t.doubleColumn(k.name()).get(r), where);
                        case BITMASK -> {
                            Long mask = none ? null : Long.parseUnsignedLong(v.asText());
                            assertEquals(mask == null || mask == Long.MIN_VALUE ? null : mask, t.longColumn(k.name()).get(r), where);
                        }
                        case STRING_LIST -> {
                            List<String> names = new ArrayList<>();
                            if (!none) v.forEach(x -> names.add(x.asText()));
                            assertEquals(String.join(",", names), t.stringColumn(k.name()).get(r), where);
                        }
                        case PROCS -> {
                            Integer count = none ? null : v.size();
                            Integer mem = null;
                            if (!none) for (JsonNode proc : v) if (proc.get("mem_mib").isNumber()) mem = (mem == null ? 0 : mem) + proc.get("mem_mib").intValue();
                            if (count != null && count == 0) mem = 0;
                            assertEquals(count, t.intColumn("proc_count").get(r), where);
                            assertEquals(mem, t.intColumn("proc_mem_mib").get(r), where);
                        }
                        case ERRORS -> {
                            StringBuilder text = new StringBuilder();
                            if (!none) {
                                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                                    Map.Entry<String, JsonNode> e = it.next();
                                    text.append(text.isEmpty() ? "" : "; ").append(e.getKey()).append(": ").append(e.getValue().asText());
                                }
                            }
                            assertEquals(text.toString(), t.stringColumn(k.name()).get(r), where);
                        }
                    }
                }
            }
        }
        return plain;
    }

    private Process tracker(Path audit, Map<String, String> env) throws IOException {
        Path tracker = resource("gpu-tracker.sh", dir.resolve("gpu-tracker.sh"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        resource("standin-nvidia-smi.sh", bin.resolve("nvidia-smi"));
        ProcessBuilder pb = new ProcessBuilder("bash", tracker.toString(), audit.toString(), "100")
                .redirectErrorStream(true).redirectOutput(dir.resolve("tracker.out").toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static Path resource(String name, Path target) throws IOException {
        try (InputStream in = AuditRoundTripTest.class.getResourceAsStream("/orbit/nvml/" + name)) {
            assertNotNull(in, name + " is on the classpath");
            Files.copy(in, target);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        return target;
    }
}
