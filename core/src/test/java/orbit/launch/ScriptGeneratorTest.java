package orbit.launch;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ScriptGeneratorTest {
    @TempDir
    Path dir;

    private Bundle bundle(String workdir, Map<String, String> env) {
        var spec = TestBundles.spec("g", List.of("python3", "x.py"), env, List.of(), null);
        var ep = new orbit.bundle.JobSpec.Entrypoint(spec.entrypoint().argv(), workdir, env, List.of());
        return Bundle.create(dir.resolve("g"), new orbit.bundle.JobSpec(spec.schemaVersion(), "g", spec.resources(), ep,
                "python3", List.of(), null, List.of(), spec.createdAt(), spec.orbitVersion()));
    }

    @Test
    void generatedScriptsPassBashSyntaxCheck() throws Exception {
        Bundle b = bundle(".", Map.of("A", "x 'y' $(z)"));
        ScriptGenerator.generate(b, new ScriptGenerator.Plan("r1", "local", LaunchOptions.defaults()));
        for (String s : List.of("launch.sh", "gpu-tracker.sh")) {
            Process p = new ProcessBuilder("bash", "-n", b.scriptsDir().resolve(s).toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), s + ": " + out);
        }
        assertTrue(Files.isRegularFile(b.scriptsDir().resolve("precheck.py")));
        assertFalse(Files.readString(b.scriptsDir().resolve("launch.sh")).contains("@@"), "a placeholder was left unfilled");
    }

    @Test
    void workdirOutsideTheBundleIsRefusedWithOneLine() {
        Bundle b = bundle("../elsewhere", Map.of());
        OrbitException e = assertThrows(OrbitException.class,
                () -> ScriptGenerator.generate(b, new ScriptGenerator.Plan("r1", "local", LaunchOptions.defaults())));
        assertTrue(e.getMessage().startsWith("job.json: entrypoint.workdir = ../elsewhere"), e.getMessage());
    }

    @Test
    void invalidEnvNameIsRefused() {
        Bundle b = bundle(".", Map.of("NOT-A-NAME", "v"));
        OrbitException e = assertThrows(OrbitException.class,
                () -> ScriptGenerator.generate(b, new ScriptGenerator.Plan("r1", "local", LaunchOptions.defaults())));
        assertTrue(e.getMessage().contains("NOT-A-NAME"), e.getMessage());
    }

    @Test
    void trackerArgvBecomesOneQuotedExec() {
        String script = ScriptGenerator.trackerScript(List.of("/opt/my java/bin/java", "-cp", "a:b", "orbit.nvml.RecorderMain", "--out", "it's.jsonl"));
        assertTrue(script.contains("\nexec '/opt/my java/bin/java' '-cp' 'a:b' 'orbit.nvml.RecorderMain' '--out' 'it'\\''s.jsonl'\n"), script);
        assertTrue(ScriptGenerator.trackerScript(List.of()).contains("gpu_unavailable"));
    }
}
