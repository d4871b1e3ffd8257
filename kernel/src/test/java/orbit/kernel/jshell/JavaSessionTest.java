package orbit.kernel.jshell;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.io.OutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JavaSessionTest {
    static JavaSession session;

    @BeforeAll
    static void start() {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        session = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]));
    }

    @AfterAll
    static void stop() {
        session.close();
    }

    @Test
    void expressionValueIsTheLiveObject() {
        CellOutcome o = session.eval("java.util.List<String> l = new java.util.ArrayList<>(List.of(\"a\"));\nl");
        CellOutcome.Ok ok = assertInstanceOf(CellOutcome.Ok.class, o);
        assertTrue(ok.hasValue());
        assertEquals(List.of("a"), ok.value().orElseThrow());
    }

    @Test
    void declarationsShowNoValue() {
        CellOutcome.Ok ok = assertInstanceOf(CellOutcome.Ok.class, session.eval("int quiet = 3;"));
        assertFalse(ok.hasValue());
        assertFalse(assertInstanceOf(CellOutcome.Ok.class, session.eval("System.out.print(\"\")")).hasValue());
    }

    @Test
    void compileErrorNamesLineAndColumnInTheCell() {
        CellOutcome.CompileError e = assertInstanceOf(CellOutcome.CompileError.class, session.eval("int a1 = 1;\nint b1 = a1 + nope;"));
        CellOutcome.Problem p = e.problems().get(0);
        assertEquals(2, p.line());
        assertEquals(15, p.column());
        assertTrue(p.message().contains("cannot find symbol"), p.message());
    }

    @Test
    void runtimeErrorKeepsUserFramesOnly() {
        session.eval("void boom() { throw new IllegalStateException(\"bad\"); }");
        CellOutcome.RuntimeError e = assertInstanceOf(CellOutcome.RuntimeError.class, session.eval("boom()"));
        assertEquals("java.lang.IllegalStateException", e.exceptionClass());
        assertEquals("bad", e.message());
        assertEquals(List.of("\tat boom (cell)", "\tat cell"), e.frames());
    }

    @Test
    void defaultImportsReachOrbitAndTablesaw() {
        assertTrue(session.imports().contains("orbit.bundle.*"));
        assertTrue(session.imports().contains("tech.tablesaw.api.*"));
        assertInstanceOf(CellOutcome.Ok.class, session.eval("Table t = Table.create(\"x\"); BundleRoot r = BundleRoot.resolve(null);"));
    }

    @Test
    void declareBindsATypedVariable() {
        session.declare("bound", new java.util.ArrayList<>(List.of(1, 2)));
        CellOutcome.Ok ok = assertInstanceOf(CellOutcome.Ok.class, session.eval("bound.size()"));
        assertEquals(2, ok.value().orElseThrow());
        assertThrows(orbit.OrbitException.class, () -> session.declare("not a name", 1));
    }

    @Test
    void completionAndCompletenessAndDocs() {
        JavaSession.Completions c = session.complete("int z = 1;\nString.valueO", 24);
        assertTrue(c.matches().contains("valueOf("), c.matches().toString());
        assertEquals(11 + "String.".length(), c.start());
        session.eval("String bundleName = \"demo\";");
        JavaSession.Completions arg = session.complete("Artifacts.of(", 13);
        assertTrue(arg.matches().contains("bundleName"), arg.matches().toString());
        assertFalse(arg.matches().contains("AbstractList"), "an empty argument offers what fits it, not every type: " + arg.matches());
        String doc = session.inspect("Artifacts.of", 11).orElseThrow();
        assertTrue(doc.contains("Artifacts Artifacts.of(String nameOrPath)\nA bundle name under the bundle root"), "ORBIT's javadoc: " + doc);
        assertTrue(session.complete("Artifacts.of(bundleN", 20).matches().contains("bundleName"));
        assertEquals(JavaSession.Completeness.INCOMPLETE, session.isComplete("for (int i = 0; i < 3; i++) {"));
        assertEquals(JavaSession.Completeness.COMPLETE, session.isComplete("int q = 1;\nq + 1"));
        assertEquals(JavaSession.Completeness.INVALID, session.isComplete("}"));
        assertTrue(session.inspect("Math.max", 5).orElseThrow().contains("max("));
    }

    /** Stops the session's cell once one is running (on a loaded machine compiling the cell can take seconds). */
    static Thread stopWhenRunning() {
        return new Thread(() -> {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!session.isRunning() && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            session.stop();
        });
    }

    @Test
    @org.junit.jupiter.api.Timeout(120)
    void stopEndsATightLoop() throws Exception {
        Thread stopper = stopWhenRunning();
        stopper.start();
        long t0 = System.nanoTime();
        assertInstanceOf(CellOutcome.Interrupted.class, session.eval("while (true) {}"));
        assertTrue((System.nanoTime() - t0) / 1e9 < 5);
        assertEquals(4, ((CellOutcome.Ok) session.eval("2 + 2")).value().orElseThrow());
    }

    @Test
    @org.junit.jupiter.api.Timeout(120)
    void cellsShareOneThreadUntilACellIsStoppedAndThenGetAFreshOne() throws Exception {
        Object first = ((CellOutcome.Ok) session.eval("Thread.currentThread()")).value().orElseThrow();
        Object second = ((CellOutcome.Ok) session.eval("Thread.currentThread()")).value().orElseThrow();
        assertSame(first, second);
        // an interrupt flag left set by one cell does not leak into the next
        session.eval("Thread.currentThread().interrupt();");
        assertEquals(false, ((CellOutcome.Ok) session.eval("Thread.currentThread().isInterrupted()")).value().orElseThrow());
        Thread stopper = stopWhenRunning();
        stopper.start();
        assertInstanceOf(CellOutcome.Interrupted.class, session.eval("while (true) {}"));
        stopper.join();
        Object after = ((CellOutcome.Ok) session.eval("Thread.currentThread()")).value().orElseThrow();
        assertNotSame(first, after);
        assertTrue(((Thread) after).isDaemon(), "an idle cell thread must not keep the JVM alive");
        ((Thread) first).join(2000);
        assertFalse(((Thread) first).isAlive(), "the stopped cell thread is gone");
    }

    @Test
    void consolidationCarriesVariablesAndMethodsIntoAFreshShell() {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (JavaSession s = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]))) {
            s.eval("java.util.List<String> names = new java.util.ArrayList<>();");
            s.eval("int twice(int x) { return 2 * x; }");
            Object before = ((CellOutcome.Ok) s.eval("names")).value().orElseThrow();
            for (int i = 0; i < JavaSession.CONSOLIDATE_AFTER + 20; i++) s.eval("int v" + (i % 5) + " = " + i + ";");
            assertTrue(s.maybeConsolidate());
            assertEquals(1, s.consolidations());
            assertTrue(s.snippetCount() < 60, "snippets after consolidation: " + s.snippetCount());
            assertSame(before, ((CellOutcome.Ok) s.eval("names")).value().orElseThrow(), "the same live object");
            assertEquals(2 * (JavaSession.CONSOLIDATE_AFTER + 19) , ((CellOutcome.Ok) s.eval("twice(v" + ((JavaSession.CONSOLIDATE_AFTER + 19) % 5) + ")")).value().orElseThrow());
            assertInstanceOf(CellOutcome.Ok.class, s.eval("Table.create(\"still imported\")"));
        }
    }

    @Test
    void onlyTheNewestValuesStayLiveUnlessAnotherSnippetNamesThem() {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (JavaSession s = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]))) {
            s.eval("40 + 2");
            String kept = s.lastValueName();
            s.eval("int answer() { return " + kept + "; }");
            for (int i = 0; i < 3 * JavaSession.KEEP_TEMP_VARS; i++) s.eval(i + " * 2");
            String newest = s.lastValueName();
            int dropped = s.retireOldValues();
            assertEquals(2 * JavaSession.KEEP_TEMP_VARS, dropped, "every value but the newest and the one a method names");
            assertEquals(JavaSession.KEEP_TEMP_VARS + 1, s.liveValueNames().size());
            assertEquals(42, ((CellOutcome.Ok) s.eval("answer()")).value().orElseThrow(), "a value a method names stays");
            assertEquals(2 * (3 * JavaSession.KEEP_TEMP_VARS - 1), ((CellOutcome.Ok) s.eval(newest)).value().orElseThrow());
            assertInstanceOf(CellOutcome.CompileError.class, s.eval("$2"), "an old value is gone");
            s.retireOldValues();
            assertEquals(JavaSession.KEEP_TEMP_VARS + 1, s.liveValueNames().size(), "the newest values and the named one");
        }
    }

    @Test
    void aVariableResetByARedefinedClassIsReported() {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (JavaSession s = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]))) {
            s.eval("class Point { int x = 1; }\nPoint p = new Point();\nint untouched = 7;");
            assertEquals(List.of(), s.takeNotices());
            assertInstanceOf(CellOutcome.Ok.class, s.eval("class Point { int x = 1; int y = 2; }"));
            List<String> notices = s.takeNotices();
            assertEquals(1, notices.size(), notices.toString());
            assertEquals("warning: variable p was reset to null because this cell redefined type Point; its old value is gone:"
                    + " run its declaration again", notices.get(0));
            assertEquals(List.of(), s.takeNotices(), "each notice is given once");
            assertEquals(7, ((CellOutcome.Ok) s.eval("untouched")).value().orElseThrow());
        }
    }

    @Test
    void anImportThatShadowsAVariablesTypeIsReported() {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (JavaSession s = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]))) {
            s.eval("List<String> names = new ArrayList<>(List.of(\"a\"));");
            s.eval("import java.awt.List;");
            List<String> notices = s.takeNotices();
            assertEquals(1, notices.size(), notices.toString());
            assertTrue(notices.get(0).startsWith("warning: variable names lost its value and cannot be used"), notices.get(0));
            assertTrue(notices.get(0).endsWith("because this cell's `import java.awt.List;` changed what a name in its declaration means"),
                    notices.get(0));
        }
    }

    /** A jar with one class, demo.Foo, compiled here with javax.tools. */
    static java.nio.file.Path demoJar(java.nio.file.Path dir) throws Exception {
        java.nio.file.Path src = java.nio.file.Files.createDirectories(dir.resolve("src/demo")).resolve("Foo.java");
        java.nio.file.Files.writeString(src, "package demo; public class Foo { public int answer() { return 42; } }");
        java.nio.file.Path classes = java.nio.file.Files.createDirectories(dir.resolve("classes"));
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString());
        assertEquals(0, rc, "javac of demo.Foo");
        java.nio.file.Path jar = dir.resolve("demo.jar");
        try (var out = new java.util.jar.JarOutputStream(java.nio.file.Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry("demo/Foo.class"));
            out.write(java.nio.file.Files.readAllBytes(classes.resolve("demo/Foo.class")));
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void consolidationKeepsAddedJarsAndTheValuesOfTheirTypes(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (JavaSession s = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]))) {
            s.addToClasspath(demoJar(tmp));
            assertInstanceOf(CellOutcome.Ok.class, s.eval("demo.Foo foo = new demo.Foo();\nvar kept = new java.util.ArrayList<demo.Foo>(List.of(foo));"));
            Object before = ((CellOutcome.Ok) s.eval("foo")).value().orElseThrow();
            for (int round = 1; round <= 2; round++) {
                for (int i = 0; i < JavaSession.CONSOLIDATE_AFTER + 20; i++) {
                    assertInstanceOf(CellOutcome.Ok.class, s.eval("int v" + (i % 5) + " = " + i + ";"));
                    s.retireOldValues();
                }
                assertTrue(s.maybeConsolidate(), "round " + round + ": " + s.takeNotices());
                assertEquals(round, s.consolidations());
                assertEquals(List.of(), s.takeNotices());
                assertSame(before, ((CellOutcome.Ok) s.eval("foo")).value().orElseThrow(), "the same live object");
                assertEquals(42, ((CellOutcome.Ok) s.eval("new demo.Foo().answer()")).value().orElseThrow(), "the jar is still there");
                assertEquals(true, ((CellOutcome.Ok) s.eval("foo.getClass() == new demo.Foo().getClass() && kept.get(0) == foo")).value().orElseThrow(),
                        "the live value and a new one are the same class");
            }
            assertEquals(List.of(tmp.resolve("demo.jar").toString()), s.addedClasspath());
        }
    }

    @Test
    void stateThatCannotMoveToAFreshShellStaysAsItWasAndTheCellSaysSo() {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try (JavaSession s = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]))) {
            // an anonymous class's type has no name a fresh shell could declare the variable with
            s.eval("var anon = new Object() { int x = 5; };\nint useX() { return anon.x; }");
            for (int i = 0; i < JavaSession.CONSOLIDATE_AFTER + 20; i++) s.eval("int v" + (i % 5) + " = " + i + ";");
            assertFalse(s.maybeConsolidate());
            List<String> notices = s.takeNotices();
            assertEquals(1, notices.size(), notices.toString());
            assertTrue(notices.get(0).startsWith("note: this session could not be compacted because method useX does not carry over"), notices.get(0));
            assertEquals(5, ((CellOutcome.Ok) s.eval("useX()")).value().orElseThrow(), "everything as it was");
        }
    }
}
