package orbit.nvml;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the clock event (formerly "throttle") reasons bitmask. Names follow nvidia-smi's
 * {@code clocks_event_reasons.*} fields so the two sources decode alike: the known bits in bit order, then one
 * {@code unknown_0x<hex>} holding every other bit. gpu-tracker.sh's awk decodes the same way, bit for bit.
 */
public final class ClockReasons {
    private static final long[] BITS = {0x1L, 0x2L, 0x4L, 0x8L, 0x10L, 0x20L, 0x40L, 0x80L, 0x100L};
    private static final String[] NAMES = {"gpu_idle", "applications_clocks_setting", "sw_power_cap", "hw_slowdown",
            "sync_boost", "sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown",
            "display_clock_setting"};

    private ClockReasons() {}

    public static List<String> names(Long mask) {
        if (mask == null) return null;
        List<String> out = new ArrayList<>(2);
        long rest = mask;
        for (int i = 0; i < BITS.length; i++) {
            if ((mask & BITS[i]) != 0) {
                out.add(NAMES[i]);
                rest &= ~BITS[i];
            }
        }
        if (rest != 0) out.add("unknown_0x" + Long.toHexString(rest));
        return List.copyOf(out);
    }
}
