package orbit.nvml;

import java.util.List;

/**
 * The one definition of {@code orbit.nvml_audit.v1} sample lines: every key, in the order the writers write it,
 * with its JSON type and unit. The Java writer ({@link AuditWriter}), the shell tracker (gpu-tracker.sh), the
 * loader (orbit.artifacts.AuditLoader) and docs/gpu-telemetry.md all follow it; tests check each against it.
 */
public final class AuditSchema {
    public static final String NAME = "orbit.nvml_audit.v1";

    /** JSON type of a key, and so the kind of its column when loaded. */
    public enum Type {
        /** ISO-8601 UTC text with milliseconds: an instant column. */
        TIMESTAMP,
        STRING,
        /** A JSON integer that fits a 32-bit int: an int column. */
        INT,
        /** An unsigned 64-bit JSON integer: a long column holding its 64 bits. */
        BITMASK,
        /** A JSON number: a double column. */
        NUMBER,
        /** A list of strings: a string column, the strings joined with commas. */
        STRING_LIST,
        /** [{pid, mem_mib}]: two int columns, proc_count and proc_mem_mib (their sum). */
        PROCS,
        /** {field: message}, only on lines where a field failed: a string column "field: message; field: message". */
        ERRORS
    }

    /** One key of a sample line; {@code unit} is empty where there is none. */
    public record Key(String name, Type type, String unit) {}

    /** Every key of a sample line, in the writers' order. Every one is present on every line except {@code errors}. */
    public static final List<Key> SAMPLE_KEYS = List.of(
            new Key("ts", Type.TIMESTAMP, ""),
            new Key("host", Type.STRING, ""),
            new Key("gpu", Type.INT, ""),
            new Key("uuid", Type.STRING, ""),
            new Key("name", Type.STRING, ""),
            new Key("pci_bus_id", Type.STRING, ""),
            new Key("util_gpu", Type.INT, "%"),
            new Key("util_mem", Type.INT, "%"),
            new Key("mem_used_mib", Type.INT, "MiB"),
            new Key("mem_total_mib", Type.INT, "MiB"),
            new Key("mem_free_mib", Type.INT, "MiB"),
            new Key("temp_c", Type.INT, "°C"),
            new Key("power_w", Type.NUMBER, "W"),
            new Key("power_limit_w", Type.NUMBER, "W"),
            new Key("energy_j", Type.NUMBER, "J"),
            new Key("sm_clock_mhz", Type.INT, "MHz"),
            new Key("mem_clock_mhz", Type.INT, "MHz"),
            new Key("graphics_clock_mhz", Type.INT, "MHz"),
            new Key("throttle_reasons", Type.BITMASK, ""),
            new Key("throttle_reason_names", Type.STRING_LIST, ""),
            new Key("ecc_corrected", Type.INT, ""),
            new Key("ecc_uncorrected", Type.INT, ""),
            new Key("pcie_tx_kbps", Type.INT, "KB/s"),
            new Key("pcie_rx_kbps", Type.INT, "KB/s"),
            new Key("pcie_replay", Type.INT, ""),
            new Key("pstate", Type.STRING, ""),
            new Key("procs", Type.PROCS, ""),
            new Key("host_mem_total_mib", Type.INT, "MiB"),
            new Key("host_mem_available_mib", Type.INT, "MiB"),
            new Key("source", Type.STRING, ""),
            new Key("errors", Type.ERRORS, ""));

    /** The key that marks an event line; event lines carry other keys (see docs/gpu-telemetry.md). */
    public static final String EVENT_KEY = "event";

    private AuditSchema() {}

    /** The sample keys' names, in order. */
    public static List<String> names() {
        return SAMPLE_KEYS.stream().map(Key::name).toList();
    }

    /** The columns a loaded audit has, in order: procs becomes proc_count and proc_mem_mib. */
    public static List<String> columns() {
        return SAMPLE_KEYS.stream()
                .flatMap(k -> k.type() == Type.PROCS ? java.util.stream.Stream.of("proc_count", "proc_mem_mib") : java.util.stream.Stream.of(k.name()))
                .toList();
    }
}
