package orbit.magics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DependencyMagicsTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final List<Path> added = new ArrayList<>();

    /** A session console that records what a magic adds to the class path. */
    private final Console session = new Console() {
        private final PrintWriter o = new PrintWriter(out);
        private final PrintWriter e = new PrintWriter(err);

        public PrintWriter out() { return o; }
        public PrintWriter err() { return e; }
        public void display(Object value) { o.println(value); }
        public Display displayUpdatable(Object initial) { return v -> { }; }
        public void bind(String variable, Object value) { }
        @Override public void addToClasspath(List<Path> entries) { added.addAll(entries); }
    };

    private static void jar(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        try (OutputStream o = Files.newOutputStream(p); JarOutputStream j = new JarOutputStream(o, new Manifest())) {
            j.flush();
        }
    }

    @Test
    void classpathExpandsGlobsDirectoriesAndJars() throws IOException {
        jar(tmp.resolve("lib/a.jar"));
        jar(tmp.resolve("lib/b.jar"));
        Files.writeString(tmp.resolve("lib/readme.txt"), "not a jar");
        jar(tmp.resolve("deep/x/y/c.jar"));
        Files.createDirectories(tmp.resolve("classes"));
        int rc = Commands.runMagic(session, "%classpath " + tmp.resolve("lib") + "/*.jar " + tmp.resolve("classes")
                + " '" + tmp.resolve("deep") + "/**.jar'");
        assertEquals(0, rc, err.toString());
        assertEquals(List.of(tmp.resolve("lib/a.jar"), tmp.resolve("lib/b.jar"), tmp.resolve("classes"), tmp.resolve("deep/x/y/c.jar")), added);
    }

    @Test
    void classpathWithNothingMatchingIsOneLine() {
        int rc = Commands.runMagic(session, "%classpath " + tmp.resolve("none") + "/*.jar");
        assertEquals(1, rc);
        assertTrue(err.toString().startsWith("orbit: error: nothing matches"), err.toString());
        assertEquals(1, err.toString().strip().split("\n").length);
        assertTrue(added.isEmpty());
    }

    @Test
    void mavenResolvesFromAFileRepositoryAndAddsTheJars() throws IOException {
        Path repo = tmp.resolve("repo");
        Path dir = repo.resolve("org/example/hello/1.0");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("hello-1.0.pom"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
                <groupId>org.example</groupId><artifactId>hello</artifactId><version>1.0</version></project>
                """);
        jar(dir.resolve("hello-1.0.jar"));
        int rc = Commands.runMagic(session, "%maven org.example:hello:1.0 --repo " + repo.toUri()
                + " --local-repo " + tmp.resolve("m2"));
        assertEquals(0, rc, err.toString());
        assertEquals(List.of(tmp.resolve("m2/org/example/hello/1.0/hello-1.0.jar")), added);
        assertTrue(err.toString().contains("resolved org.example:hello:1.0: 1 jar"), err.toString());

        err.getBuffer().setLength(0);
        rc = Commands.runMagic(session, "%maven org.example:hello:2.0 --offline --local-repo " + tmp.resolve("m2"));
        assertEquals(1, rc);
        assertTrue(err.toString().startsWith("orbit: error: cannot resolve org.example:hello:2.0"), err.toString());
    }

    @Test
    void terminalPrintsTheResolvedClassPath() throws IOException {
        jar(tmp.resolve("lib/a.jar"));
        StringWriter termOut = new StringWriter();
        TerminalConsole term = new TerminalConsole(new PrintWriter(termOut), new PrintWriter(new StringWriter()));
        assertEquals(0, Commands.run(term, List.of("classpath", tmp.resolve("lib").toString() + "/*.jar")));
        assertEquals(tmp.resolve("lib/a.jar").toString(), termOut.toString().strip());
    }
}
