package orbit.nvml;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * The {@code nvidia-smi --query-gpu=... --format=csv,noheader,nounits} fields ORBIT asks for and how one
 * row becomes a {@link GpuSample}. The shell tracker asks for the same fields in the same order.
 * "[N/A]" and "[Not Supported]" become null with the text kept in {@code errors}.
 */
public final class NvidiaSmiCsv {
    /** Field list with "REASONS" standing for clocks_event_reasons (newer) or clocks_throttle_reasons (older). */
    static final String[] FIELDS = {"timestamp", "index", "uuid", "name", "pci.bus_id", "utilization.gpu",
            "utilization.memory", "memory.used", "memory.total", "memory.free", "temperature.gpu", "power.draw",
            "power.limit", "clocks.sm", "clocks.mem", "clocks.gr", "REASONS.active",
            "ecc.errors.corrected.volatile.total", "ecc.errors.uncorrected.volatile.total", "pstate"};

    private NvidiaSmiCsv() {}

    /** The query for {@code --query-gpu=}; {@code eventReasons} picks the newer clocks_event_reasons names. */
    public static String query(boolean eventReasons) {
        return String.join(",", FIELDS).replace("REASONS", eventReasons ? "clocks_event_reasons" : "clocks_throttle_reasons");
    }

    /** True when {@code nvidia-smi --help-query-gpu} output lists the clocks_event_reasons fields. */
    public static boolean supportsEventReasons(String helpQueryGpu) {
        return helpQueryGpu.contains("clocks_event_reasons.active");
    }

    public static GpuSample parse(String line) {
        String[] raw = line.split(",", -1);
        if (raw.length != FIELDS.length) {
            throw new IllegalArgumentException("expected " + FIELDS.length + " CSV fields, got " + raw.length + ": " + line);
        }
        Map<String, String> errors = new LinkedHashMap<>();
        String[] v = new String[raw.length];
        for (int i = 0; i < raw.length; i++) v[i] = raw[i].strip();
        Field f = new Field(v, errors);
        int gpu = Integer.parseInt(v[1]);
        Long reasons = f.hex(16, "throttle_reasons");
        Long used = f.lng(7, "mem_used_mib");
        return new GpuSample(gpu, f.str(2), f.str(3), f.str(4), f.integer(5, "util_gpu"), f.integer(6, "util_mem"),
                used, f.lng(8, "mem_total_mib"), f.lng(9, "mem_free_mib"), f.integer(10, "temp_c"),
                f.dbl(11, "power_w"), f.dbl(12, "power_limit_w"), null, f.integer(13, "sm_clock_mhz"),
                f.integer(14, "mem_clock_mhz"), f.integer(15, "graphics_clock_mhz"), reasons, ClockReasons.names(reasons),
                f.lng(17, "ecc_corrected"), f.lng(18, "ecc_uncorrected"), null, null, null, f.str(19), null,
                "nvidia-smi", errors);
    }

    private record Field(String[] v, Map<String, String> errors) {
        private boolean missing(int i, String key) {
            String s = v[i];
            if (s.isEmpty() || s.startsWith("[")) {
                errors.put(key, s.isEmpty() ? "empty" : s.substring(1, s.length() - (s.endsWith("]") ? 1 : 0)));
                return true;
            }
            return false;
        }

        String str(int i) {
            String s = v[i];
            return s.isEmpty() || s.startsWith("[") ? null : s;
        }

        Integer integer(int i, String key) {
            if (missing(i, key)) return null;
            try {
                return (int) Math.round(Double.parseDouble(v[i]));
            } catch (NumberFormatException e) {
                errors.put(key, "unreadable: " + v[i]);
                return null;
            }
        }

        Long lng(int i, String key) {
            if (missing(i, key)) return null;
            try {
                return Math.round(Double.parseDouble(v[i]));
            } catch (NumberFormatException e) {
                errors.put(key, "unreadable: " + v[i]);
                return null;
            }
        }

        Double dbl(int i, String key) {
            if (missing(i, key)) return null;
            try {
                return Double.parseDouble(v[i]);
            } catch (NumberFormatException e) {
                errors.put(key, "unreadable: " + v[i]);
                return null;
            }
        }

        Long hex(int i, String key) {
            if (missing(i, key)) return null;
            String s = v[i].startsWith("0x") || v[i].startsWith("0X") ? v[i].substring(2) : v[i];
            try {
                return Long.parseUnsignedLong(s, 16);
            } catch (NumberFormatException e) {
                errors.put(key, "unreadable: " + v[i]);
                return null;
            }
        }
    }

    static List<GpuSample> parseAll(String output) {
        List<GpuSample> out = new ArrayList<>();
        for (String line : output.split("\n")) if (!line.isBlank()) out.add(parse(line));
        return out;
    }
}
