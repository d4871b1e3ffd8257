package orbit.nvml;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Appends orbit.nvml_audit.v1 lines: one JSON object per GPU per sample, and event lines carrying an
 * {@code event} key. Each line is built in memory and handed to the OS in one write, so a crash leaves
 * whole lines behind, and nothing already in the file is overwritten. Unsupported fields are written as
 * explicit nulls. Thread-safe: the XID watcher writes events while the sampler writes samples.
 */
public final class AuditWriter implements AutoCloseable {
    public static final String SCHEMA = AuditSchema.NAME;
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON = new JsonFactory();

    private final Path path;
    private final String host;
    private final FileOutputStream out;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private long lines;

    private AuditWriter(Path path, String host) throws IOException {
        this.path = path;
        this.host = host;
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        this.out = new FileOutputStream(path.toFile(), true);
    }

    public static AuditWriter open(Path path, String host) {
        try {
            return new AuditWriter(path, host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the GPU audit " + path, e);
        }
    }

    public Path path() {
        return path;
    }

    public synchronized long lines() {
        return lines;
    }

    public static String timestamp(Instant ts) {
        return TS.format(ts);
    }

    /** One line per GPU of the snapshot, each with the host's memory read now. */
    public void write(GpuSnapshot snapshot) {
        write(snapshot, HostMemory.read());
    }

    /** One line per GPU of the snapshot, each with {@code host} as the host's memory. */
    public synchronized void write(GpuSnapshot snapshot, HostMemory hostMemory) {
        String ts = timestamp(snapshot.ts());
        for (GpuSample s : snapshot.gpus()) writeSample(ts, s, hostMemory);
    }

    /** Keys in {@link AuditSchema#SAMPLE_KEYS} order (a test holds the two together). */
    private void writeSample(String ts, GpuSample s, HostMemory hostMemory) {
        try (JsonGenerator g = begin()) {
            g.writeStringField("ts", ts);
            g.writeStringField("host", host);
            g.writeNumberField("gpu", s.gpu());
            g.writeStringField("uuid", s.uuid());
            g.writeStringField("name", s.name());
            g.writeStringField("pci_bus_id", s.pciBusId());
            num(g, "util_gpu", s.utilGpu());
            num(g, "util_mem", s.utilMem());
            num(g, "mem_used_mib", s.memUsedMib());
            num(g, "mem_total_mib", s.memTotalMib());
            num(g, "mem_free_mib", s.memFreeMib());
            num(g, "temp_c", s.tempC());
            num(g, "power_w", s.powerW());
            num(g, "power_limit_w", s.powerLimitW());
            num(g, "energy_j", s.energyJ());
            num(g, "sm_clock_mhz", s.smClockMhz());
            num(g, "mem_clock_mhz", s.memClockMhz());
            num(g, "graphics_clock_mhz", s.graphicsClockMhz());
            if (s.throttleReasons() == null) g.writeNullField("throttle_reasons");
            else { // NVML's unsigned long long: bit 63 is a large number, not a negative one
                g.writeFieldName("throttle_reasons");
                g.writeNumber(Long.toUnsignedString(s.throttleReasons()));
            }
            strings(g, "throttle_reason_names", s.throttleReasonNames());
            num(g, "ecc_corrected", s.eccCorrected());
            num(g, "ecc_uncorrected", s.eccUncorrected());
            num(g, "pcie_tx_kbps", s.pcieTxKbps());
            num(g, "pcie_rx_kbps", s.pcieRxKbps());
            num(g, "pcie_replay", s.pcieReplay());
            g.writeStringField("pstate", s.pstate());
            if (s.procs() == null) {
                g.writeNullField("procs");
            } else {
                g.writeArrayFieldStart("procs");
                for (GpuSample.GpuProcess p : s.procs()) {
                    g.writeStartObject();
                    g.writeNumberField("pid", p.pid());
                    num(g, "mem_mib", p.memMib());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            num(g, "host_mem_total_mib", hostMemory.totalMib());
            num(g, "host_mem_available_mib", hostMemory.availableMib());
            g.writeStringField("source", s.source());
            if (!s.errors().isEmpty()) {
                g.writeObjectFieldStart("errors");
                for (Map.Entry<String, String> e : s.errors().entrySet()) g.writeStringField(e.getKey(), e.getValue());
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the GPU audit " + path, e);
        }
        flushLine();
    }

    public synchronized void write(GpuEvent event) {
        try (JsonGenerator g = begin()) {
            g.writeStringField("ts", timestamp(event.ts()));
            g.writeStringField("host", host);
            g.writeStringField("event", event.event());
            if (event.gpu() != null) g.writeNumberField("gpu", event.gpu());
            if (event.source() != null) g.writeStringField("source", event.source());
            if (event.reason() != null) g.writeStringField("reason", event.reason());
            for (Map.Entry<String, Object> e : event.details().entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the GPU audit " + path, e);
        }
        flushLine();
    }

    private JsonGenerator begin() throws IOException {
        line.reset();
        JsonGenerator g = JSON.createGenerator(line);
        g.writeStartObject();
        return g;
    }

    private void flushLine() {
        line.write('\n');
        try {
            line.writeTo(out); // one write(2) per line: the OS has it even if this process dies next
            lines++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the GPU audit " + path, e);
        }
    }

    private static void num(JsonGenerator g, String name, Number n) throws IOException {
        if (n == null) g.writeNullField(name);
        else if (n instanceof Double d) g.writeNumberField(name, d);
        else if (n instanceof Long l) g.writeNumberField(name, l);
        else g.writeNumberField(name, n.intValue());
    }

    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        if (values == null) {
            g.writeNullField(name);
            return;
        }
        g.writeArrayFieldStart(name);
        for (String v : values) g.writeString(v);
        g.writeEndArray();
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) g.writeNull();
        else if (v instanceof Number n) {
            if (n instanceof Double || n instanceof Float) g.writeNumber(n.doubleValue());
            else g.writeNumber(n.longValue());
        } else if (v instanceof Boolean b) g.writeBoolean(b);
        else if (v instanceof List<?> list) {
            g.writeStartArray();
            for (Object o : list) value(g, o);
            g.writeEndArray();
        } else if (v instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else g.writeString(String.valueOf(v));
    }

    @Override
    public synchronized void close() {
        try {
            out.getFD().sync();
        } catch (IOException ignored) {
            // every line was already written; sync is a best effort for power loss
        }
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the GPU audit " + path, e);
        }
    }
}
