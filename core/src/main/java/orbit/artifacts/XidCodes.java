package orbit.artifacts;

import java.util.Map;
import java.util.Set;

/** What NVIDIA's XID error codes mean (from NVIDIA's XID catalogue), and which point at the hardware rather than the program. */
final class XidCodes {
    private static final Map<Integer, String> MEANING = Map.ofEntries(
            Map.entry(8, "GPU stopped processing"),
            Map.entry(13, "graphics engine exception (often an out-of-range access by the program)"),
            Map.entry(31, "GPU memory page fault (MMU fault: an illegal address, often the program)"),
            Map.entry(32, "invalid or corrupted push buffer stream"),
            Map.entry(38, "driver firmware error"),
            Map.entry(43, "GPU stopped processing: a channel was reset after an error"),
            Map.entry(44, "graphics engine fault during context switch"),
            Map.entry(45, "preemptive cleanup after earlier errors"),
            Map.entry(48, "double-bit ECC error (uncorrectable memory error)"),
            Map.entry(61, "internal micro-controller breakpoint/warning"),
            Map.entry(62, "internal micro-controller halt"),
            Map.entry(63, "ECC page retirement or row remapping recorded"),
            Map.entry(64, "ECC page retirement or row remapping failed"),
            Map.entry(68, "video processor exception"),
            Map.entry(69, "graphics engine class error"),
            Map.entry(74, "NVLink error"),
            Map.entry(79, "GPU has fallen off the bus"),
            Map.entry(92, "high single-bit ECC error rate"),
            Map.entry(94, "contained ECC error"),
            Map.entry(95, "uncontained ECC error"),
            Map.entry(109, "context switch timeout"),
            Map.entry(119, "GSP RPC timeout"),
            Map.entry(120, "GSP error"),
            Map.entry(121, "C2C link error"),
            Map.entry(140, "unrecovered ECC error"));

    /** Codes that say the GPU, its memory or its links failed, whatever the program did. */
    private static final Set<Integer> HARDWARE = Set.of(48, 61, 62, 63, 64, 74, 79, 92, 94, 95, 119, 120, 121, 140);

    private XidCodes() {}

    static String meaning(int code) {
        return MEANING.getOrDefault(code, "see NVIDIA's XID catalogue");
    }

    static boolean hardware(int code) {
        return HARDWARE.contains(code);
    }
}
