package orbit.kernel.jshell;

import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;

import java.security.CodeSource;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads one JShell's snippet classes (JShell's own default does the same) under the session's {@link SessionJars}
 * instead of the system class loader. Class path additions go to the session's jars, not to this loader, so they
 * survive a new JShell.
 */
final class SnippetLoader implements LoaderDelegate {
    private final Loader loader;
    private final Map<String, Class<?>> classes = new ConcurrentHashMap<>();

    SnippetLoader(SessionJars jars) {
        this.loader = new Loader(jars);
    }

    @Override
    public void load(ClassBytecodes[] cbcs) throws ClassInstallException {
        boolean[] loaded = new boolean[cbcs.length];
        try {
            for (ClassBytecodes c : cbcs) loader.declare(c.name(), c.bytecodes());
            for (int i = 0; i < cbcs.length; i++) {
                Class<?> k = loader.loadClass(cbcs[i].name());
                classes.put(cbcs[i].name(), k);
                loaded[i] = true;
                k.getDeclaredMethods(); // linked now, so a broken class fails here and not in the middle of a cell
            }
        } catch (Throwable t) {
            throw new ClassInstallException("load: " + t.getMessage(), loaded);
        }
    }

    @Override
    public void classesRedefined(ClassBytecodes[] cbcs) {
        for (ClassBytecodes c : cbcs) loader.declare(c.name(), c.bytecodes());
    }

    @Override
    public void addToClasspath(String path) {
        // JShell passes its own class path here too; the session adds its jars to SessionJars itself
    }

    @Override
    public Class<?> findClass(String name) throws ClassNotFoundException {
        Class<?> k = classes.get(name);
        if (k == null) throw new ClassNotFoundException(name + " not found");
        return k;
    }

    private static final class Loader extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        private final Map<String, byte[]> declared = new ConcurrentHashMap<>();
        private final ProtectionDomain domain = new ProtectionDomain(new CodeSource(null, (java.security.cert.Certificate[]) null), null);

        Loader(ClassLoader parent) {
            super("orbit-snippets", parent);
        }

        void declare(String name, byte[] bytes) {
            declared.put(name, bytes);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = declared.get(name);
            if (b == null) throw new ClassNotFoundException(name);
            return defineClass(name, b, 0, b.length, domain);
        }
    }
}
