package orbit.nvml;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** docs/gpu-telemetry.md's key table is {@link AuditSchema}: the same keys, in the same order. */
class AuditSchemaTest {
    @Test
    void theDocumentedKeysAreTheSchemasKeysInOrder() throws Exception {
        Path doc = Files.isRegularFile(Path.of("docs/gpu-telemetry.md")) ? Path.of("docs/gpu-telemetry.md") : Path.of("../docs/gpu-telemetry.md");
        List<String> lines = Files.readAllLines(doc);
        int at = lines.indexOf("| key | type, unit | meaning |");
        assertTrue(at >= 0, "the key table of " + doc);
        List<String> documented = new ArrayList<>();
        Pattern key = Pattern.compile("`([a-z_]+)`");
        for (int i = at + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String first = lines.get(i).split("\\|")[1];
            Matcher m = key.matcher(first);
            while (m.find()) documented.add(m.group(1));
        }
        assertEquals(AuditSchema.names(), documented);
    }
}
