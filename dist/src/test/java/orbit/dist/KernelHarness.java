package orbit.dist;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packed kernel (target/orbit-kernel-all.jar) installed as kernelspec "orbit" into a private Jupyter data
 * directory, and helpers to run notebooks through Debian's Jupyter against it. Nothing touches the user's Jupyter.
 */
final class KernelHarness {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String KERNEL_MAIN = System.getProperty("orbit.kernel.main", "orbit.kernel.OrbitKernel");
    static final Path JUPYTER = Path.of("/usr/bin/jupyter");
    static final Path PYTHON = Path.of("/usr/bin/python3");

    final Path dir;
    final Path jupyterPath;
    final Path bundles;

    KernelHarness(Path dir) throws IOException {
        this.dir = dir;
        this.jupyterPath = dir.resolve("jupyter");
        this.bundles = dir.resolve("bundles");
        Files.createDirectories(bundles);
        Path spec = jupyterPath.resolve("kernels/orbit");
        Files.createDirectories(spec);
        ObjectNode k = JSON.createObjectNode();
        ArrayNode argv = k.putArray("argv");
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.add("-XX:+UseSerialGC").add("-XX:TieredStopAtLevel=1").add("-Xss4m");
        argv.add("-cp").add(kernelJar().toString()).add(KERNEL_MAIN).add("{connection_file}");
        k.put("display_name", "Java (ORBIT)");
        k.put("language", "java");
        k.put("interrupt_mode", "message");
        Files.writeString(spec.resolve("kernel.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(k));
    }

    static Path kernelJar() {
        Path jar = Path.of(System.getProperty("orbit.kernel.jar", "target/orbit-kernel-all.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) throw new IllegalStateException("no " + jar + ": run `mvn verify -pl dist -am`");
        return jar;
    }

    static Path projectRoot() {
        return Path.of(System.getProperty("orbit.project.root", "..")).toAbsolutePath().normalize();
    }

    static Path buildDir() {
        return Path.of(System.getProperty("orbit.build.dir", "target")).toAbsolutePath().normalize();
    }

    /** Environment every Jupyter process of a test gets: our kernelspec first, bundles in the test's directory. */
    Map<String, String> env() {
        return Map.of("JUPYTER_PATH", jupyterPath.toString(),
                "ORBIT_BUNDLES", bundles.toString(),
                "JUPYTER_RUNTIME_DIR", dir.resolve("runtime").toString(),
                "JUPYTER_CONFIG_DIR", dir.resolve("config").toString(),
                "IPYTHONDIR", dir.resolve("ipython").toString());
    }

    record Run(int exitCode, String output, JsonNode notebook) {}

    /** Executes {@code notebook} headless with nbconvert; the executed copy is written beside it as NAME.out.ipynb. */
    Run execute(Path notebook, Map<String, String> extraEnv, Duration timeout) throws IOException, InterruptedException {
        String name = notebook.getFileName().toString().replaceFirst("\\.ipynb$", "");
        Path out = notebook.resolveSibling(name + ".out.ipynb");
        ProcessBuilder pb = new ProcessBuilder(JUPYTER.toString(), "nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.timeout=" + timeout.toSeconds(), "--ExecutePreprocessor.kernel_name=orbit",
                notebook.toString(), "--output", out.getFileName().toString(), "--output-dir", out.getParent().toString());
        pb.directory(notebook.getParent().toFile());
        pb.environment().putAll(env());
        pb.environment().putAll(extraEnv);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] text = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toSeconds() + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("nbconvert did not finish in " + timeout);
        }
        JsonNode nb = Files.isRegularFile(out) ? JSON.readTree(out.toFile()) : null;
        return new Run(p.exitValue(), new String(text, StandardCharsets.UTF_8), nb);
    }

    /** A notebook of code cells for the orbit kernel. */
    static ObjectNode notebook(List<String> codeCells) {
        ObjectNode nb = JSON.createObjectNode();
        nb.put("nbformat", 4).put("nbformat_minor", 5);
        ObjectNode meta = nb.putObject("metadata");
        meta.putObject("kernelspec").put("name", "orbit").put("display_name", "Java (ORBIT)").put("language", "java");
        meta.putObject("language_info").put("name", "java");
        ArrayNode cells = nb.putArray("cells");
        int i = 0;
        for (String src : codeCells) {
            ObjectNode c = cells.addObject();
            c.put("cell_type", "code").put("id", "c" + (i++)).putNull("execution_count");
            c.putObject("metadata");
            c.putArray("outputs");
            c.put("source", src);
        }
        return nb;
    }

    /** Every output of every code cell, in order. */
    static List<JsonNode> outputs(JsonNode nb) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode c : nb.path("cells")) for (JsonNode o : c.path("outputs")) out.add(o);
        return out;
    }

    /** The outputs of code cell {@code index} (counting code cells only). */
    static List<JsonNode> outputsOf(JsonNode nb, int index) {
        int i = 0;
        for (JsonNode c : nb.path("cells")) {
            if (!"code".equals(c.path("cell_type").asText())) continue;
            if (i++ == index) {
                List<JsonNode> out = new ArrayList<>();
                c.path("outputs").forEach(out::add);
                return out;
            }
        }
        throw new IllegalArgumentException("no code cell " + index);
    }

    /** Text of an output: stream text, or a MIME entry's content (nbformat may store it as a list of lines). */
    static String text(JsonNode output, String mime) {
        JsonNode v = mime == null ? output.path("text") : output.path("data").path(mime);
        if (v.isArray()) {
            StringBuilder sb = new StringBuilder();
            v.forEach(x -> sb.append(x.asText()));
            return sb.toString();
        }
        return v.isMissingNode() ? "" : v.asText();
    }

    static String allText(List<JsonNode> outputs) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode o : outputs) {
            sb.append(text(o, null)).append(text(o, "text/plain")).append(o.path("evalue").asText(""));
        }
        return sb.toString();
    }
}
