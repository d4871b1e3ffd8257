package orbit.nvml;

import orbit.OrbitException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Samples through the {@code nvidia-smi} command, for hosts where NVML cannot be bound from Java. One
 * query per sample: fine for a live table, while the long-running shell tracker keeps ONE nvidia-smi
 * streaming instead. Energy, PCIe throughput and processes are not in nvidia-smi's --query-gpu: null.
 */
public final class NvidiaSmiSampler implements GpuSampler {
    private final String command;
    private final String query;

    public NvidiaSmiSampler(String command) {
        this.command = command;
        String help = run(List.of(command, "--help-query-gpu"));
        this.query = NvidiaSmiCsv.query(NvidiaSmiCsv.supportsEventReasons(help));
    }

    @Override
    public String source() {
        return "nvidia-smi";
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", command);
        m.put("query", query);
        return m;
    }

    @Override
    public GpuSnapshot sample() {
        Instant ts = Instant.now();
        String out = run(List.of(command, "--query-gpu=" + query, "--format=csv,noheader,nounits"));
        return new GpuSnapshot(ts, source(), NvidiaSmiCsv.parseAll(out));
    }

    private static String run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new OrbitException(argv.get(0) + " did not answer within 10 s; check the driver with nvidia-smi");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new OrbitException(argv.get(0) + " failed (exit " + p.exitValue() + "): " + text.strip().lines().findFirst().orElse(""));
            }
            return text;
        } catch (IOException e) {
            throw new OrbitException("cannot run " + argv.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrbitException("interrupted while running " + argv.get(0));
        }
    }

    @Override
    public void onEvent(Consumer<GpuEvent> sink) {
        // nvidia-smi --query-gpu reports no XID events
    }

    @Override
    public void close() {
    }
}
