package orbit.nvml;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** The short host name written into every audit line, read without a DNS lookup where possible. */
final class HostName {
    private HostName() {}

    static String local() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!h.isEmpty()) return h;
        } catch (Exception ignored) {
            // not Linux: ask Java
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
