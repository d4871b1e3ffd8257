package orbit.kernel.jshell;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jars and class directories a session added (%classpath, %maven), in one class loader that outlives each
 * JShell: snippet classes load below it, so after a consolidation a live {@code demo.Foo} and a new one are the
 * same class. The kernel's own classes come first (parent first), as they did before any jar was added.
 */
final class SessionJars extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    private final List<String> entries = new ArrayList<>();

    SessionJars() {
        super("orbit-session-jars", new URL[0], ClassLoader.getSystemClassLoader());
    }

    /** Adds an entry once; returns false when it was already there. */
    synchronized boolean add(Path entry) {
        String s = entry.toAbsolutePath().normalize().toString();
        if (entries.contains(s)) return false;
        try {
            addURL(Path.of(s).toUri().toURL());
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("not a class path entry: " + entry, e);
        }
        entries.add(s);
        return true;
    }

    /** Every entry added, oldest first. */
    synchronized List<String> entries() {
        return List.copyOf(entries);
    }
}
