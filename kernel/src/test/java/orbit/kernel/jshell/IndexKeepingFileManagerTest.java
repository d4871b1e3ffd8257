package orbit.kernel.jshell;

import org.junit.jupiter.api.Test;

import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class IndexKeepingFileManagerTest {
    /** The JDK's own file manager, with the options it is handed written down. */
    private static StandardJavaFileManager recording(List<String> seen) {
        StandardJavaFileManager real = ToolProvider.getSystemJavaCompiler().getStandardFileManager(null, null, null);
        return (StandardJavaFileManager) Proxy.newProxyInstance(StandardJavaFileManager.class.getClassLoader(),
                new Class<?>[] {StandardJavaFileManager.class}, (proxy, method, args) -> {
                    if (method.getName().equals("handleOption")) {
                        List<String> values = new ArrayList<>();
                        ((Iterator<?>) args[1]).forEachRemaining(v -> values.add(String.valueOf(v)));
                        seen.add(args[0] + " " + String.join(" ", values));
                        args = new Object[] {args[0], values.iterator()};
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aRepeatedMultiReleaseValueIsNotPassedOnAChangedOneIs() {
        List<String> seen = new ArrayList<>();
        IndexKeepingFileManager fm = new IndexKeepingFileManager(recording(seen));
        assertTrue(fm.handleOption("--multi-release", List.of("17").iterator()));
        assertTrue(fm.handleOption("--multi-release", List.of("17").iterator()));
        assertTrue(fm.handleOption("--multi-release", List.of("17").iterator()));
        assertTrue(fm.handleOption("--multi-release", List.of("11").iterator()));
        assertEquals(List.of("--multi-release 17", "--multi-release 11"), seen);
    }

    @Test
    void classPathChangesAlwaysReachTheFileManager() {
        List<String> seen = new ArrayList<>();
        IndexKeepingFileManager fm = new IndexKeepingFileManager(recording(seen));
        String dir = System.getProperty("java.io.tmpdir");
        fm.handleOption("-classpath", List.of(dir).iterator());
        fm.handleOption("-classpath", List.of(dir).iterator());
        assertEquals(List.of("-classpath " + dir, "-classpath " + dir), seen);
        List<File> cp = new ArrayList<>();
        fm.getLocation(javax.tools.StandardLocation.CLASS_PATH).forEach(cp::add);
        assertEquals(List.of(new File(dir)), cp);
    }

    @Test
    void theCompilerClassPathAddsOnlyWhatTheJvmLacksOnce() {
        String jvm = System.getProperty("java.class.path").split(File.pathSeparator)[0];
        String a = "added/a.jar";
        String b = "added/b.jar";
        String path = String.join(File.pathSeparator, jvm, a, "", b, a);
        assertEquals(a + File.pathSeparator + b, JavaSession.classPathBeyondJvm(path, List.of()));
        assertEquals(a + File.pathSeparator + b + File.pathSeparator + "more/c.jar",
                JavaSession.classPathBeyondJvm(path, List.of(b, "more/c.jar", jvm)));
        assertEquals("", JavaSession.classPathBeyondJvm(jvm, List.of()));
    }
}
