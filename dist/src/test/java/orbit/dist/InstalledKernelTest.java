package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user installs is what works: install/setup into a prefix (CLI, kernelspec, launcher, class-data archive),
 * then a notebook executed headless with that kernelspec alone, and `orbit jshell` from the same prefix.
 */
class InstalledKernelTest {
    @TempDir
    Path tmp;

    static String run(Path dir, java.util.Map<String, String> env, String stdin, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    @Test
    void setupInstallsAKernelThatRunsANotebookAndAJShellThatSeesOrbit() throws Exception {
        Path prefix = tmp.resolve("prefix");
        run(tmp, java.util.Map.of(), null, List.of(KernelHarness.projectRoot().resolve("install/setup").toString(),
                "--prefix", prefix.toString(), "--skip-build"));
        assertTrue(Files.isRegularFile(prefix.resolve("share/jupyter/kernels/orbit/kernel.json")));
        assertTrue(Files.isRegularFile(prefix.resolve("share/orbit/kernel/orbit-kernel.jsa")), "class-data archive trained at install");

        Path nbFile = tmp.resolve("check.ipynb");
        KernelHarness.JSON.writeValue(nbFile.toFile(), KernelHarness.notebook(List.of(
                "%bundle new installed -- python3 -c pass", "Orbit.bundle(\"installed\").name() + \" \" + (20 + 22)")));
        var env = java.util.Map.of("JUPYTER_PATH", prefix.resolve("share/jupyter").toString(),
                "ORBIT_BUNDLES", tmp.resolve("bundles").toString(),
                "JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString(),
                "JUPYTER_CONFIG_DIR", tmp.resolve("config").toString());
        run(tmp, env, null, List.of(KernelHarness.JUPYTER.toString(), "nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.timeout=120", nbFile.toString(), "--output", "check.out.ipynb"));
        JsonNode nb = KernelHarness.JSON.readTree(tmp.resolve("check.out.ipynb").toFile());
        String all = KernelHarness.allText(KernelHarness.outputs(nb));
        assertTrue(all.contains("created bundle installed"), all);
        assertTrue(all.contains("installed 42"), all);

        String jshell = run(tmp, env, "System.out.println(\"seen \" + Orbit.bundles().size());\n/exit\n",
                List.of(prefix.resolve("bin/orbit").toString(), "jshell"));
        assertTrue(jshell.contains("seen 1"), jshell);
    }
}
