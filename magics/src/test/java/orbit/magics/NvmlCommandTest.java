package orbit.magics;

import orbit.nvml.GpuStatus;
import orbit.nvml.Nvml;
import orbit.nvml.NvmlProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class NvmlCommandTest {
    /** A console that keeps what was displayed, and every in-place update of each display. */
    static final class RecordingConsole implements Console {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final List<Object> displayed = new ArrayList<>();
        final List<List<Object>> updatable = new ArrayList<>();

        @Override
        public PrintWriter out() {
            return new PrintWriter(out, true);
        }

        @Override
        public PrintWriter err() {
            return new PrintWriter(err, true);
        }

        @Override
        public void display(Object value) {
            displayed.add(value);
        }

        @Override
        public Display displayUpdatable(Object initial) {
            List<Object> versions = new ArrayList<>(List.of(initial));
            updatable.add(versions);
            return versions::add;
        }

        @Override
        public void bind(String variable, Object value) {
        }
    }

    @Test
    void simulatedGpusAreShownAndLabelledSimulated() {
        RecordingConsole c = new RecordingConsole();
        assertEquals(0, Commands.runMagic(c, "%nvml --simulate 2"), c.err.toString());
        GpuStatus status = assertInstanceOf(GpuStatus.class, c.displayed.get(0));
        assertEquals(2, status.table().rowCount());
        assertTrue(status.simulated());
        assertTrue(status.toString().startsWith("SIMULATED GPUs"), status.toString());
        assertTrue(status.mimeBundle().get("text/html").contains("SIMULATED"));
        assertTrue(status.table().name().contains("SIMULATED"));
    }

    @Test
    void watchUpdatesOneDisplayInPlace() {
        RecordingConsole c = new RecordingConsole();
        long t0 = System.nanoTime();
        assertEquals(0, Commands.run(c, List.of("nvml", "--simulate", "3", "--watch", "100ms", "--count", "4")), c.err.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, c.displayed.size(), "no new output per refresh");
        assertEquals(1, c.updatable.size());
        assertEquals(4, c.updatable.get(0).size());
        assertTrue(ms >= 280, "three refreshes 100 ms apart took " + ms + " ms");
        GpuStatus last = (GpuStatus) c.updatable.get(0).get(3);
        GpuStatus first = (GpuStatus) c.updatable.get(0).get(0);
        assertTrue(last.snapshot().ts().isAfter(first.snapshot().ts()));
    }

    @Test
    void countWithoutWatchIsOneClearLine() {
        RecordingConsole c = new RecordingConsole();
        assertEquals(1, Commands.run(c, List.of("nvml", "--simulate", "1", "--count", "3")));
        assertEquals("orbit: error: --count needs --watch INTERVAL, e.g. --watch 1s --count 10", c.err.toString().strip());
    }

    @Test
    void withoutADriverTheErrorSaysSoAndPointsAtSimulate() {
        Assumptions.assumeTrue(Nvml.open() instanceof NvmlProbe.NotFound, "this machine has an NVIDIA driver");
        RecordingConsole c = new RecordingConsole();
        assertEquals(1, Commands.run(c, List.of("nvml")));
        String err = c.err.toString().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("orbit: error: no NVIDIA driver found"), err);
        assertTrue(err.contains("--simulate N"), err);
    }

    @Test
    void recordWritesTheAudit(@TempDir Path dir) throws Exception {
        RecordingConsole c = new RecordingConsole();
        Path audit = dir.resolve("artifacts/nvml-audit.jsonl");
        assertEquals(0, Commands.run(c, List.of("nvml", "record", "--out", audit.toString(), "--simulate", "2",
                "--interval", "100ms", "--count", "3")), c.err.toString());
        List<String> lines = Files.readAllLines(audit);
        assertEquals(1 + 6 + 1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("\"event\":\"sampler_start\""));
        assertTrue(lines.get(1).contains("\"source\":\"simulated\""));
        assertTrue(lines.get(7).contains("\"event\":\"sampler_stop\""));
    }

    @Test
    void aTooShortIntervalIsRefused() {
        RecordingConsole c = new RecordingConsole();
        assertEquals(1, Commands.run(c, List.of("nvml", "--simulate", "1", "--watch", "10ms")));
        assertTrue(c.err.toString().contains("below the 100ms minimum"), c.err.toString());
    }
}
