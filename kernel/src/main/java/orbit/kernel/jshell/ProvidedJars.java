package orbit.kernel.jshell;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Optional;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Tells when a jar added to the session holds classes the kernel already has: the kernel's class loader comes
 * first, so its copy is what loads and the added one is silently unused. Asking for tablesaw-core 0.43.1 while
 * the kernel has 0.44.4 must say so.
 */
public final class ProvidedJars {
    private ProvidedJars() {}

    /** A jar the kernel already has in another version: what was asked for and what loads instead. */
    record Clash(String asked, String loads, String sentence) {}

    /**
     * One warning line for the jars of one %maven or %classpath whose classes the kernel already has in another
     * version, or empty. A request pulls in many jars; one line names them all rather than a line each.
     */
    public static Optional<String> warning(java.util.List<Path> jars) {
        java.util.List<Clash> clashes = new java.util.ArrayList<>();
        for (Path j : jars) clash(j).ifPresent(clashes::add);
        if (clashes.isEmpty()) return Optional.empty();
        if (clashes.size() == 1) return Optional.of(clashes.get(0).sentence());
        return Optional.of("warning: the kernel already has " + clashes.size() + " of these jars in other versions, and its own are what load: "
                + String.join(", ", clashes.stream().map(c -> c.loads() + " (not " + c.asked() + ")").toList()));
    }

    /** One warning line, or empty when the jar's classes are new to the kernel (or the same version). */
    public static Optional<String> warning(Path jar) {
        return clash(jar).map(Clash::sentence);
    }

    private static Optional<Clash> clash(Path jar) {
        ClassLoader kernel = ClassLoader.getSystemClassLoader();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            String probe = null;
            Properties asked = null;
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String n = e.getName();
                if (probe == null && n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class")) probe = n;
                if (asked == null && n.startsWith("META-INF/maven/") && n.endsWith("/pom.properties")) {
                    asked = new Properties();
                    try (InputStream in = zip.getInputStream(e)) {
                        asked.load(in);
                    }
                }
            }
            if (probe == null) return Optional.empty();
            URL have = kernel.getResource(probe);
            if (have == null) return Optional.empty();
            String name = jar.getFileName().toString();
            if (asked != null && asked.getProperty("artifactId") != null) {
                String g = asked.getProperty("groupId");
                String a = asked.getProperty("artifactId");
                String v = asked.getProperty("version");
                URL kernelPom = kernel.getResource("META-INF/maven/" + g + "/" + a + "/pom.properties");
                if (kernelPom != null) {
                    Properties own = new Properties();
                    try (InputStream in = kernelPom.openStream()) {
                        own.load(in);
                    }
                    String ownVersion = own.getProperty("version");
                    if (v != null && v.equals(ownVersion)) return Optional.empty();
                    return Optional.of(new Clash(a + " " + v, a + " " + ownVersion, "warning: " + a + " " + v + " was asked for, but the kernel already has "
                            + a + " " + ownVersion + ": the kernel's " + ownVersion + " is what loads"));
                }
            }
            String from = have.getPath();
            int bang = from.indexOf("!/");
            if (bang >= 0) from = from.substring(0, bang);
            String fromName = from.substring(from.lastIndexOf('/') + 1);
            if (fromName.equals(name)) return Optional.empty();
            return Optional.of(new Clash(name, fromName, "warning: the kernel already has the classes of " + name + " (from " + fromName
                    + "): the kernel's copy is what loads"));
        } catch (IOException e) {
            return Optional.empty(); // not a jar (a class directory): nothing to compare
        }
    }
}
