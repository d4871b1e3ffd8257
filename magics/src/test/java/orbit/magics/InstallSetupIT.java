package orbit.magics;

import orbit.bundle.JobSchemaCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * install/setup on the jars `mvn package` just built: the launcher it installs works and finds Java as documented.
 * The kernel is built after this module, so these runs install the CLI alone; the dist tests install the kernel.
 */
class InstallSetupIT {
    @TempDir
    Path tmp;

    static final Path REPO = Path.of("").toAbsolutePath().getParent();

    record Run(int code, String out) {}

    static Run run(Path dir, Map<String, String> env, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    @Test
    void setupWithPrefixInstallsAWorkingLauncherAndIsIdempotent() throws Exception {
        Path prefix = tmp.resolve("prefix");
        String setup = REPO.resolve("install/setup").toString();
        Run first = run(tmp, Map.of(), List.of(setup, "--prefix", prefix.toString(), "--skip-build", "--no-kernel"));
        assertEquals(0, first.code(), first.out());
        Run again = run(tmp, Map.of(), List.of(setup, "--prefix", prefix.toString(), "--skip-build", "--no-kernel"));
        assertEquals(0, again.code(), again.out());
        Path orbit = prefix.resolve("bin/orbit");
        assertTrue(Files.isExecutable(orbit));

        Run created = run(tmp, Map.of("ORBIT_BUNDLES", tmp.resolve("b").toString()),
                List.of(orbit.toString(), "bundle", "new", "demo", "--entrypoint", "python3 inputs/train.py --lr 3e-4", "--gpus", "1"));
        assertEquals(0, created.code(), created.out());
        assertTrue(Files.isRegularFile(tmp.resolve("b/demo/job.json")));
        Path schema = prefix.resolve("share/orbit/schemas/orbit.job.v1.schema.json");
        assertEquals(Files.readString(REPO.resolve("core/src/main/resources/orbit/schemas/orbit.job.v1.schema.json")), Files.readString(schema));
        JobSchemaCheck.assertValid(List.of(tmp.resolve("b/demo/job.json")));
    }

    @Test
    void classDataArchiveHoldsTheAuditLoadersClasses() throws Exception {
        Path prefix = tmp.resolve("prefix");
        assertEquals(0, run(tmp, Map.of(), List.of(REPO.resolve("install/setup").toString(), "--prefix", prefix.toString(), "--skip-build", "--no-kernel")).code());
        assertTrue(Files.isRegularFile(prefix.resolve("share/orbit/orbit.jsa")), "install/setup made no class-data archive");
        Path audit = tmp.resolve("nvml-audit.jsonl");
        ClassArchiveWarmUp.writeAudit(audit);
        // the JVM logs where each class came from: a day-long audit's first load pays for every class not in the archive
        Run shown = run(tmp, Map.of("ORBIT_JAVA_OPTS", "-Xlog:class+load=info:stderr"),
                List.of(prefix.resolve("bin/orbit").toString(), "artifacts", "audit", audit.toString()));
        assertEquals(0, shown.code(), shown.out());
        assertTrue(shown.out().contains("120 rows from 121 lines"), shown.out());
        for (String cls : List.of("orbit.artifacts.AuditLoader", "orbit.artifacts.AuditPiece", "tech.tablesaw.api.Table",
                "com.fasterxml.jackson.core.JsonFactory", "orbit.display.TableHtml")) {
            assertTrue(shown.out().contains(" " + cls + " source: shared objects file"), cls + " not from the archive:\n"
                    + shown.out().lines().filter(l -> l.contains(" " + cls + " ")).toList());
        }
    }

    @Test
    void launcherPrefersOrbitJavaHomeAndSaysSoWhenJavaIsMissing() throws Exception {
        Path prefix = tmp.resolve("prefix");
        assertEquals(0, run(tmp, Map.of(), List.of(REPO.resolve("install/setup").toString(), "--prefix", prefix.toString(), "--skip-build", "--no-kernel")).code());
        Run broken = run(tmp, Map.of("ORBIT_JAVA_HOME", tmp.resolve("no-such-jdk").toString()),
                List.of(prefix.resolve("bin/orbit").toString(), "--version"));
        assertEquals(1, broken.code());
        assertEquals("orbit: no Java found: install JDK 17 or set ORBIT_JAVA_HOME\n", broken.out());

        String javaHome = Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().getParent().toString();
        Run ok = run(tmp, Map.of("ORBIT_JAVA_HOME", javaHome), List.of(prefix.resolve("bin/orbit").toString(), "--version"));
        assertEquals(0, ok.code(), ok.out());
        assertTrue(ok.out().startsWith("orbit "), ok.out());
    }
}
