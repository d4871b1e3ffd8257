package orbit.artifacts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tech.tablesaw.api.Table;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class TablesawFirstUseTest {
    private static final String SEP = File.pathSeparator;

    @Test
    void keepsOnlyTablesawsJarsForTheScan() {
        Path table = Path.of("/m2/tech/tablesaw/tablesaw-core/0.44.4/tablesaw-core-0.44.4.jar").toAbsolutePath();
        String cp = String.join(SEP, "target/classes", "/m2/bcprov-jdk18on-1.80.jar", table.toString(), "/m2/tablesaw-json-0.44.4.jar",
                "/m2/fastutil-8.5.13.jar");
        assertEquals(String.join(SEP, table.toString(), "/m2/tablesaw-json-0.44.4.jar"), TablesawFirstUse.narrowed(cp, table));
        // the jar that holds Table is kept whatever its name (a shaded jar); alone on the class path, nothing changes
        assertEquals("lib/orbit-kernel-all.jar", TablesawFirstUse.narrowed(String.join(SEP, "lib/orbit-kernel-all.jar", "extra.jar"),
                Path.of("lib/orbit-kernel-all.jar").toAbsolutePath()));
        assertNull(TablesawFirstUse.narrowed("lib/orbit-kernel-all.jar", Path.of("lib/orbit-kernel-all.jar").toAbsolutePath()));
        // no Tablesaw jar named (a manifest-only launcher jar): left as it is
        assertNull(TablesawFirstUse.narrowed("surefirebooter.jar", table));
    }

    /** In a fresh JVM with the whole class path named: Tablesaw's readers and writers are registered, the property is back. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aFreshJvmRegistersTablesawsReadersAndRestoresTheClassPath() throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = Files.createTempFile("tablesaw-first-use", ".out");
        Process p = new ProcessBuilder(java, "-cp", cp, Probe.class.getName()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String out;
        try {
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            out = Files.readString(log);
            assertTrue(ended, out);
        } finally {
            Files.deleteIfExists(log);
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("narrowed=true"), out);
        assertTrue(out.contains("csv=true json=true restored=true"), out);
    }

    /**
     * The first line of an audit is the sampler's start event: read on the calling thread while Tablesaw initialises
     * on its own. Reading the event's time through Tablesaw's packed instants once made the two class initialisations
     * wait on each other forever (seen once in a benchmark run). It depends on timing and only a fresh JVM can show it, so
     * this can only catch it sometimes: a few loads run here, each with a time limit.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aFirstLoadThatStartsWithAnEventFinishesInAFreshJvm(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path audit = dir.resolve("nvml-audit.jsonl");
        AuditLoadBench.generate(audit, 2, 600);
        assertTrue(Files.readAllLines(audit).get(0).contains("\"event\":\"sampler_start\""));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < 3; i++) {
            Path log = dir.resolve("load-" + i + ".out");
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", cp, AuditLoadBench.class.getName(), "--way", "orbit-process", "--file", audit.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                boolean ended = p.waitFor(60, TimeUnit.SECONDS);
                String out = Files.readString(log);
                assertTrue(ended, "the load did not finish in 60 s: " + out);
                assertTrue(out.contains("rows=" + (2 * 600 + 1)), out);
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /** Runs in the fresh JVM. */
    public static final class Probe {
        public static void main(String[] args) {
            String before = System.getProperty("java.class.path");
            boolean narrowed = TablesawFirstUse.narrowed(before, null) != null;
            TablesawFirstUse.run();
            System.out.println("narrowed=" + narrowed + " csv=" + Table.defaultReaderRegistry.getReaderForExtension("csv").isPresent()
                    + " json=" + Table.defaultReaderRegistry.getReaderForExtension("json").isPresent()
                    + " restored=" + before.equals(System.getProperty("java.class.path")));
        }
    }
}
