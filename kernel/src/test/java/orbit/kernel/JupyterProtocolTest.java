package orbit.kernel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Installs the kernel with install/install-kernel into a temporary prefix (jars = this test's classpath) and runs
 * real Jupyter clients against it: the jupyter_kernel_test conformance suite and jupyter_client protocol tests
 * (src/test/python). Debian's Jupyter lives under /usr/bin/python3.
 */
class JupyterProtocolTest {
    static Path prefix;
    static Path moduleDir = Path.of("").toAbsolutePath();

    @BeforeAll
    static void install() throws Exception {
        prefix = Files.createTempDirectory("orbit-kernel-test");
        Path script = moduleDir.getParent().resolve("install/install-kernel");
        Result r = run(List.of(script.toString(), "--prefix", prefix.toString(), "--classpath", System.getProperty("java.class.path")),
                moduleDir, 60);
        assertEquals(0, r.code, r.output);
        assertTrue(Files.isRegularFile(prefix.resolve("share/jupyter/kernels/orbit/kernel.json")), r.output);
    }

    @AfterAll
    static void uninstall() throws Exception {
        Path script = moduleDir.getParent().resolve("install/install-kernel");
        Result r = run(List.of(script.toString(), "--prefix", prefix.toString(), "--uninstall"), moduleDir, 30);
        assertEquals(0, r.code, r.output);
        assertTrue(Files.notExists(prefix.resolve("share/jupyter/kernels/orbit")), "uninstall left the kernelspec behind");
        try (Stream<Path> s = Files.walk(prefix)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void conformanceSuitePassesAgainstInstalledKernel() throws Exception {
        Result r = python("test_conformance");
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("OK"), r.output);
    }

    @Test
    void interruptStdinHistoryStopOnErrorShutdownAndBadSignatureBehave() throws Exception {
        Result r = python("test_client");
        assertEquals(0, r.code, r.output);
    }

    @Test
    void requestsTheKernelCannotProcessGetAnErrorReplyAndTheKernelGoesOn() throws Exception {
        Result r = python("test_bad_requests");
        assertEquals(0, r.code, r.output);
    }

    @Test
    void aNotebookWrittenTheJJavaWayRuns(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        jar(dir.resolve("demo.jar"), "demo.Foo", "package demo; public class Foo { public int answer() { return 42; } }");
        Path repo = dir.resolve("repo");
        mavenArtifact(repo, "greeter", "greeter.Greeter",
                "package greeter; public class Greeter { public String greet(String who) { return \"hello \" + who; } }");
        mavenArtifact(repo, "counter", "counter.Counter",
                "package counter; public class Counter { int n; public int next() { return ++n; } }");
        Files.writeString(dir.resolve("setup.jsh"), "int triple(int x) {\n    return 3 * x;\n}\n");
        Files.createDirectories(dir.resolve("empty-repo"));
        // the kernel's Maven cache and default repository are the test's own: nothing reaches ~/.m2 or the network
        Result r = python("test_jjava_notebook", Map.of("ORBIT_TEST_JJAVA_DIR", dir.toString(),
                "JAVA_TOOL_OPTIONS", "-Dmaven.repo.local=" + dir.resolve("m2"),
                "ORBIT_MAVEN_REPOSITORIES", dir.resolve("empty-repo").toUri().toString()));
        assertEquals(0, r.code, r.output);
    }

    @Test
    void orbitJshellTakesTheUsersClassPathBesideOrbits(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        jar(dir.resolve("demo.jar"), "demo.Foo", "package demo; public class Foo { public int answer() { return 42; } }");
        Path input = Files.writeString(dir.resolve("in.jsh"),
                "System.out.println(\"answer=\" + new demo.Foo().answer() + \" tables=\" + Table.create(\"t\").name())\n"
                        + "\"w\".repeat(2500)\nTable.create(\"t\", DoubleColumn.create(\"v\", 0.1 + 0.2))\n/exit\n");
        ProcessBuilder pb = new ProcessBuilder(prefix.resolve("bin/orbit-jshell").toString(), "--class-path", dir.resolve("demo.jar").toString())
                .redirectInput(input.toFile());
        pb.environment().put("XDG_STATE_HOME", dir.resolve("state").toString());
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Djava.util.prefs.userRoot=" + dir.resolve("prefs"));
        Result r = run(pb, dir, 120);
        assertEquals(0, r.code, r.output);
        assertTrue(r.output.contains("answer=42 tables=t"), r.output);
        assertTrue(r.output.contains("w".repeat(2500)), "a long value is not cut by JShell's feedback: " + r.output.length());
        assertTrue(r.output.contains("==> t — 1 row × 1 column"), "a table reads as in a notebook: " + r.output.substring(r.output.length() - 300));
    }

    /** A jar holding one class compiled from {@code source}. */
    static void jar(Path jar, String className, String source) throws IOException {
        Path work = Files.createTempDirectory(jar.getParent(), "javac");
        Path src = work.resolve(className.substring(className.lastIndexOf('.') + 1) + ".java");
        Files.writeString(src, source);
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", work.toString(), src.toString());
        assertEquals(0, rc, "javac " + className);
        Files.createDirectories(jar.getParent());
        String entry = className.replace('.', '/') + ".class";
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            out.write(Files.readAllBytes(work.resolve(entry)));
            out.closeEntry();
        }
    }

    /** orbit.test:ARTIFACT:1.0 in a file:// repository layout: the jar and a POM without dependencies. */
    static void mavenArtifact(Path repo, String artifact, String className, String source) throws IOException {
        Path d = Files.createDirectories(repo.resolve("orbit/test/" + artifact + "/1.0"));
        jar(d.resolve(artifact + "-1.0.jar"), className, source);
        Files.writeString(d.resolve(artifact + "-1.0.pom"), "<project><modelVersion>4.0.0</modelVersion><groupId>orbit.test</groupId>"
                + "<artifactId>" + artifact + "</artifactId><version>1.0</version></project>\n");
    }

    static Result python(String module) throws Exception {
        return python(module, Map.of());
    }

    static Result python(String module, Map<String, String> env) throws Exception {
        Path pyDir = moduleDir.resolve("src/test/python");
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "-m", "unittest", "-v", module);
        pb.environment().putAll(env);
        pb.environment().put("JUPYTER_PATH", prefix.resolve("share/jupyter").toString());
        pb.environment().put("JUPYTER_RUNTIME_DIR", prefix.resolve("runtime").toString());
        pb.environment().put("JUPYTER_DATA_DIR", prefix.resolve("data").toString());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        return run(pb, pyDir, 300);
    }

    record Result(int code, String output) {}

    static Result run(List<String> cmd, Path dir, int timeoutS) throws Exception {
        return run(new ProcessBuilder(cmd), dir, timeoutS);
    }

    static Result run(ProcessBuilder pb, Path dir, int timeoutS) throws IOException, InterruptedException {
        Path log = Files.createTempFile("orbit-kernel-test", ".log");
        pb.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        boolean done = p.waitFor(timeoutS, TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.deleteIfExists(log);
        return new Result(done ? p.exitValue() : -1, (done ? "" : "TIMED OUT\n") + out);
    }
}
