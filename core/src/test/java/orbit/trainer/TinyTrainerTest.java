package orbit.trainer;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.bundle.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TinyTrainerTest {
    @TempDir
    Path dir;

    @Test
    void growMemoryFlagShowsAsRisingMemoryInTheMetrics() throws Exception {
        Path script = TinyTrainer.writeTo(dir);
        Process p = new ProcessBuilder("python3", script.toString(), "--steps", "12", "--logging-steps", "3",
                "--grow-memory-mib", "8", "--output-dir", dir.resolve("ck").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        Path log;
        try (var s = Files.list(dir.resolve("ck"))) {
            log = s.findFirst().orElseThrow().resolve("logging.jsonl");
        }
        List<Double> mem = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonNode row = Json.MAPPER.readTree(line);
            if (row.has("loss")) mem.add(row.get("memory(GiB)").asDouble());
        }
        assertEquals(4, mem.size());
        assertTrue(mem.get(3) - mem.get(0) > 0.05, "memory did not grow: " + mem); // 9 steps x 8 MiB ≈ 0.07 GiB
    }
}
