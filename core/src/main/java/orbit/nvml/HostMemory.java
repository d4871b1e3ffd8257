package orbit.nvml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's memory as /proc/meminfo gives it, in MiB (kB / 1024, rounded down, as gpu-tracker.sh computes it):
 * written on every sample line so a post-mortem can tell a host out of memory from a GPU out of memory. A value
 * the kernel does not give (MemAvailable is Linux 3.14+, no /proc elsewhere) is null.
 */
public record HostMemory(Long totalMib, Long availableMib) {
    public static final HostMemory UNKNOWN = new HostMemory(null, null);
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    /** The host's memory now; {@link #UNKNOWN} without /proc/meminfo. */
    public static HostMemory read() {
        try {
            return parse(new String(Files.readAllBytes(MEMINFO), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** MemTotal and MemAvailable of /proc/meminfo text ("MemTotal:  131891220 kB"). */
    public static HostMemory parse(String meminfo) {
        Long total = null, available = null;
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemTotal:")) total = mib(line);
            else if (line.startsWith("MemAvailable:")) available = mib(line);
        }
        return new HostMemory(total, available);
    }

    private static Long mib(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length != 3 || !f[2].equals("kB")) return null;
        try {
            return Long.parseLong(f[1]) / 1024;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
