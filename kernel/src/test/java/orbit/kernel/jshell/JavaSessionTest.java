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
        assertEquals(JavaSession.Completeness.INCOMPLETE, session.isComplete("for (int i = 0; i < 3; i++) {"));
        assertEquals(JavaSession.Completeness.COMPLETE, session.isComplete("int q = 1;\nq + 1"));
        assertEquals(JavaSession.Completeness.INVALID, session.isComplete("}"));
        assertTrue(session.inspect("Math.max", 5).orElseThrow().contains("max("));
    }

    @Test
    void stopEndsATightLoop() throws Exception {
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                return;
            }
            session.stop();
        });
        stopper.start();
        long t0 = System.nanoTime();
        assertInstanceOf(CellOutcome.Interrupted.class, session.eval("while (true) {}"));
        assertTrue((System.nanoTime() - t0) / 1e9 < 5);
        assertEquals(4, ((CellOutcome.Ok) session.eval("2 + 2")).value().orElseThrow());
    }

    @Test
    void cellsShareOneThreadUntilACellIsStoppedAndThenGetAFreshOne() throws Exception {
        Object first = ((CellOutcome.Ok) session.eval("Thread.currentThread()")).value().orElseThrow();
        Object second = ((CellOutcome.Ok) session.eval("Thread.currentThread()")).value().orElseThrow();
        assertSame(first, second);
        // an interrupt flag left set by one cell does not leak into the next
        session.eval("Thread.currentThread().interrupt();");
        assertEquals(false, ((CellOutcome.Ok) session.eval("Thread.currentThread().isInterrupted()")).value().orElseThrow());
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                return;
            }
            session.stop();
        });
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
}
