package orbit.artifacts;

import tech.tablesaw.api.Table;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Tablesaw's first use in a JVM, made cheap. {@code Table}'s static initialiser has ClassGraph scan the class path
 * for the readers and writers in {@code tech.tablesaw.io}; with the application class loader that means every jar
 * named by {@code java.class.path} is opened, its central directory and manifest read (bcprov's signed manifest alone
 * is 820 KB), about 1-2 s of CPU with JVM defaults on ORBIT's class path. Those readers and writers live only in
 * Tablesaw's own jars, so for the length of that one initialisation {@code java.class.path} names just those: ClassGraph
 * finds the same classes, and the JVM's class loader, which read the property once at start, is not affected.
 * <p>
 * Where the class path holds nothing else (the kernel's shaded jar) or Tablesaw is already initialised, nothing is
 * changed. The property is restored before this returns.
 */
final class TablesawFirstUse {
    private TablesawFirstUse() {
    }

    /** Initialises Tablesaw's {@code Table} class (and so registers its readers and writers). */
    static synchronized void run() {
        String cp = System.getProperty("java.class.path");
        String narrowed = cp == null ? null : narrowed(cp, jarOf(Table.class));
        if (narrowed == null) {
            init();
            return;
        }
        System.setProperty("java.class.path", narrowed);
        try {
            init();
        } finally {
            System.setProperty("java.class.path", cp);
        }
    }

    private static void init() {
        try {
            Class.forName(Table.class.getName(), true, Table.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e); // Table.class is linked into this class: it cannot be missing
        }
    }

    /**
     * The entries of {@code classPath} that are Tablesaw's jars ({@code tablesaw-*.jar}, and the one holding
     * {@code Table}), joined again; null when that would leave it as it is or empty.
     */
    static String narrowed(String classPath, Path tableJar) {
        String[] entries = classPath.split(File.pathSeparator);
        List<String> kept = new ArrayList<>();
        for (String e : entries) {
            if (e.isBlank()) continue;
            Path p = Path.of(e);
            Path name = p.getFileName();
            boolean tablesaw = name != null && name.toString().startsWith("tablesaw") && name.toString().endsWith(".jar");
            if (tablesaw || (tableJar != null && p.toAbsolutePath().normalize().equals(tableJar))) kept.add(e);
        }
        if (kept.isEmpty() || kept.size() == entries.length) return null;
        return String.join(File.pathSeparator, kept);
    }

    private static Path jarOf(Class<?> c) {
        try {
            CodeSource src = c.getProtectionDomain().getCodeSource();
            return src == null ? null : Path.of(src.getLocation().toURI()).toAbsolutePath().normalize();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
