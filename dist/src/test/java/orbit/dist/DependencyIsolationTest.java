package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's %maven of another Jackson version than the kernel's (2.21.3) loads that version into the session,
 * their cell uses it, and ORBIT's own JSON handling and the kernel keep working: the kernel's Jackson is
 * relocated under orbit.shaded in the packed jar, so the two never meet.
 */
class DependencyIsolationTest {
    static final String USER_JACKSON = "2.17.2";

    @TempDir
    Path tmp;

    @Test
    void conflictingJacksonFromMavenIsUsedInACellWhileTheKernelKeepsWorking() throws Exception {
        KernelHarness h = new KernelHarness(tmp);
        // the user's local ~/.m2 first (works offline when it already holds the version), Maven Central after it
        Path m2 = Path.of(System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository"));
        String repos = m2.toUri() + ",https://repo.maven.apache.org/maven2/";
        Path nb = tmp.resolve("isolation.ipynb");
        Files.writeString(nb, KernelHarness.JSON.writeValueAsString(KernelHarness.notebook(List.of(
                "%maven com.fasterxml.jackson.core:jackson-databind:" + USER_JACKSON + " --local-repo " + tmp.resolve("m2"),
                "var mapper = new com.fasterxml.jackson.databind.ObjectMapper();\n"
                        + "mapper.readTree(\"{\\\"steps\\\": 40}\").get(\"steps\").asInt() + \" with jackson \" + mapper.version()",
                "com.fasterxml.jackson.databind.ObjectMapper.class.getProtectionDomain().getCodeSource().getLocation().getPath()",
                "orbit.bundle.Json.line(java.util.Map.of(\"kernel\", \"ok\")) + \" \" + orbit.bundle.Json.MAPPER.version()",
                "%bundle --help",
                "1 + 1"))));
        KernelHarness.Run run = h.execute(nb, Map.of("ORBIT_MAVEN_REPOSITORIES", repos), Duration.ofMinutes(3));
        assertEquals(0, run.exitCode(), run.output());
        JsonNode out = run.notebook();
        for (JsonNode o : KernelHarness.outputs(out)) {
            assertFalse("error".equals(o.path("output_type").asText()), "error output: " + o);
        }
        assertTrue(KernelHarness.allText(KernelHarness.outputsOf(out, 0)).contains("jackson-databind-" + USER_JACKSON + ".jar"),
                KernelHarness.outputsOf(out, 0).toString());
        String used = KernelHarness.allText(KernelHarness.outputsOf(out, 1));
        assertTrue(used.contains("40 with jackson " + USER_JACKSON), used);
        String where = KernelHarness.allText(KernelHarness.outputsOf(out, 2));
        assertTrue(where.contains("jackson-databind-" + USER_JACKSON + ".jar"), "the user's class comes from the user's jar: " + where);
        String kernel = KernelHarness.allText(KernelHarness.outputsOf(out, 3));
        assertTrue(kernel.contains("kernel\\\":\\\"ok") && kernel.endsWith("} 2.21.3\""), "ORBIT still uses its own Jackson: " + kernel);
        assertTrue(KernelHarness.allText(KernelHarness.outputsOf(out, 4)).contains("export"), "magics still parse");
        assertTrue(KernelHarness.allText(KernelHarness.outputsOf(out, 5)).contains("2"));
    }
}
