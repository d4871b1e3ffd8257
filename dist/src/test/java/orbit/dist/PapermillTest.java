package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `papermill postmortem.ipynb out.ipynb -p archive run.tar.gz` with the orbit kernel and papermill-java (from
 * install/papermill-java, installed into the client venv): the parameters become Java declarations in an injected
 * cell, and the notebook reads the archive it was given, not the one it makes itself.
 */
class PapermillTest {
    @TempDir
    Path tmp;

    private record Result(int exitCode, String output) {}

    private static Result run(List<String> cmd, Path dir, Map<String, String> env, long timeoutSeconds)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = Files.createTempFile(dir, "out", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s: " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** A failed run that is not the notebook's own (it crashes at step 20, the notebook's at 40), exported. */
    private Path exportAnotherFailedRun(Path dir) throws Exception {
        Map<String, String> env = Map.of("ORBIT_BUNDLES", tmp.resolve("sender-bundles").toString());
        List<String> orbit = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", KernelHarness.kernelJar().toString(), "orbit.magics.Main");
        List<List<String>> steps = List.of(
                List.of("example", "tiny-trainer", "--out", "."),
                List.of("bundle", "new", "nightly", "--gpus", "1", "--", "python3", "inputs/tiny_trainer.py", "--steps", "30",
                        "--step-sleep", "0.02", "--logging-steps", "2", "--crash-at-step", "20", "--grow-memory-mib", "8"),
                List.of("bundle", "stage", "nightly", "tiny_trainer.py"),
                List.of("launch", "nightly", "--target", "local", "--simulate-gpus", "1"),
                List.of("launch", "wait", "nightly"),
                List.of("bundle", "export", "nightly", "--out", "run.tar.gz"));
        for (List<String> step : steps) {
            List<String> cmd = new ArrayList<>(orbit);
            cmd.addAll(step);
            Result r = run(cmd, dir, env, 120);
            boolean waitOnAFailure = step.get(1).equals("wait");
            assertTrue(r.exitCode() == 0 || waitOnAFailure, "orbit " + String.join(" ", step) + ": " + r.output());
        }
        return dir.resolve("run.tar.gz");
    }

    @Test
    void postmortemRunsWithTheArchiveGivenAsAParameter() throws Exception {
        Path venv = ClientVenv.require();
        Path work = Files.createDirectories(tmp.resolve("work"));
        exportAnotherFailedRun(work);
        KernelHarness kernel = new KernelHarness(tmp);
        Files.copy(KernelHarness.projectRoot().resolve("notebooks/postmortem.ipynb"), work.resolve("postmortem.ipynb"));
        Map<String, String> env = new HashMap<>(kernel.env());
        // every kind of value papermill passes becomes a declaration JShell accepts; only `archive` is used
        Result r = run(List.of(venv.resolve("bin/papermill").toString(), "postmortem.ipynb", "out.ipynb",
                "-p", "archive", "run.tar.gz", "-p", "steps", "3", "-p", "ratio", "0.5", "-p", "strict", "True",
                "-y", "{\"tags\": [\"a\", \"b\\\"c\"], \"limits\": {\"gpus\": 2}, \"nothing\": null, \"big\": 9000000000}"),
                work, env, 300);
        Path out = work.resolve("out.ipynb");
        if (Files.isRegularFile(out)) {
            Files.copy(out, Files.createDirectories(KernelHarness.buildDir().resolve("notebooks")).resolve("postmortem.papermill.ipynb"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertEquals(0, r.exitCode(), r.output());
        JsonNode nb = KernelHarness.JSON.readTree(out.toFile());

        List<JsonNode> cells = BrowserDriver.list(nb.path("cells"));
        int declared = -1;
        for (int i = 0; i < cells.size(); i++) {
            if (cells.get(i).path("metadata").path("tags").toString().contains("\"parameters\"")) declared = i;
        }
        assertTrue(declared >= 0, "postmortem.ipynb has a cell tagged parameters");
        JsonNode injected = cells.get(declared + 1);
        assertTrue(injected.path("metadata").path("tags").toString().contains("injected-parameters"), injected.toString());
        String source = injected.path("source").isArray() ? String.join("", BrowserDriver.list(injected.path("source")).stream()
                .map(JsonNode::asText).toList()) : injected.path("source").asText();
        assertTrue(source.contains("String archive = \"run.tar.gz\";"), source);
        assertTrue(source.contains("int steps = 3;") && source.contains("double ratio = 0.5;") && source.contains("boolean strict = true;")
                && source.contains("long big = 9000000000L;") && source.contains("Object nothing = null;"), source);
        assertTrue(injected.path("outputs").toString().isEmpty() || !injected.path("outputs").toString().contains("\"error\""),
                "JShell accepted every declaration: " + injected.path("outputs"));

        for (JsonNode o : KernelHarness.outputs(nb)) {
            assertFalse("error".equals(o.path("output_type").asText()), "error output: " + o);
        }
        String all = KernelHarness.allText(KernelHarness.outputs(nb))
                + nb.path("cells").findValuesAsText("text/html").toString();
        assertTrue(all.contains("imported crashed-received"), "the archive was imported");
        assertTrue(all.contains("simulated crash at step 20"), "the post-mortem is of the archive given, not the notebook's own run");
        assertFalse(all.contains("simulated crash at step 40"), "the notebook's own run was not the one read");
    }
}
