package orbit.kernel.jshell;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiDocsTest {
    final ApiDocs docs = new ApiDocs(JavaSession.DEFAULT_IMPORTS);

    @Test
    void parsesClassMethodFieldAndNestedComments() throws Exception {
        Map<String, String> m = ApiDocs.parse("""
                package x;
                /** The class. */
                public final class A {
                    /** A field. */
                    public static final int F = 1;
                    /** Of a {@code String}. */
                    public static A of(String s) { return null; }
                    /** Of a path. */
                    public static A of(java.nio.file.Path p) { return null; }
                    /** Only one. */
                    public void run(java.util.List<String> xs, int... n) { }
                    /** Nested. */
                    public record B(int x) {}
                }
                """);
        assertEquals("The class.", m.get("A"));
        assertEquals("A field.", m.get("A#F"));
        assertEquals("Of a String.", m.get("A#of(String)"));
        assertEquals("Of a path.", m.get("A#of(Path)"));
        assertEquals("Only one.", m.get("A#run(List,int[])"));
        assertEquals("Only one.", m.get("A#run"));
        assertEquals("Nested.", m.get("A.B"), m.toString());
    }

    @Test
    void findsOrbitJavadocFromJShellSignatures() {
        assertTrue(docs.javadoc("Artifacts Artifacts.of(String nameOrPath)").orElseThrow().startsWith("A bundle name under the bundle root"));
        assertTrue(docs.javadoc("orbit.artifacts.Artifacts").orElseThrow().startsWith("What a run left behind, as tables."));
        assertTrue(docs.javadoc("orbit.artifacts.Postmortem.Cause").orElseThrow().startsWith("A likely cause"), docs.javadoc("orbit.artifacts.Postmortem.Cause").toString());
        assertTrue(docs.javadoc("RunState.QUEUED").orElseThrow().startsWith("Waiting in a scheduler's queue"), docs.javadoc("RunState.QUEUED").toString());
        assertTrue(docs.javadoc("java.lang.String").isEmpty());
        assertTrue(docs.javadoc("Foo Foo.bar()").isEmpty());
    }
}
