package orbit.kernel.jshell;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProvidedJarsTest {
    static Path jar(Path file, String classEntry, String pomProperties) throws Exception {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(file))) {
            out.putNextEntry(new JarEntry(classEntry));
            out.write(new byte[] {(byte) 0xca, (byte) 0xfe});
            out.closeEntry();
            if (pomProperties != null) {
                out.putNextEntry(new JarEntry("META-INF/maven/tech.tablesaw/tablesaw-core/pom.properties"));
                out.write(pomProperties.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return file;
    }

    @Test
    void anOlderVersionOfAJarTheKernelHasIsAWarning(@TempDir Path tmp) throws Exception {
        String kernelVersion = tech.tablesaw.api.Table.class.getPackage().getImplementationVersion() != null
                ? tech.tablesaw.api.Table.class.getPackage().getImplementationVersion() : "0.44.4";
        Path old = jar(tmp.resolve("tablesaw-core-0.43.1.jar"), "tech/tablesaw/api/Table.class",
                "groupId=tech.tablesaw\nartifactId=tablesaw-core\nversion=0.43.1\n");
        assertEquals(Optional.of("warning: tablesaw-core 0.43.1 was asked for, but the kernel already has tablesaw-core " + kernelVersion
                + ": the kernel's " + kernelVersion + " is what loads"), ProvidedJars.warning(old));
        Path same = jar(tmp.resolve("tablesaw-core-same.jar"), "tech/tablesaw/api/Table.class",
                "groupId=tech.tablesaw\nartifactId=tablesaw-core\nversion=" + kernelVersion + "\n");
        assertEquals(Optional.empty(), ProvidedJars.warning(same));
        Path fresh = jar(tmp.resolve("new.jar"), "demo/Foo.class", null);
        assertEquals(Optional.empty(), ProvidedJars.warning(fresh));
        assertEquals(ProvidedJars.warning(old), ProvidedJars.warning(java.util.List.of(fresh, old, same)), "one clash: its own sentence");
        Path guavaOld = jar(tmp.resolve("guava-old.jar"), "com/google/common/collect/ImmutableList.class", null);
        String kernelGuava = Path.of(com.google.common.collect.ImmutableList.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getFileName().toString();
        assertEquals(Optional.of("warning: the kernel already has 2 of these jars in other versions, and its own are what load: tablesaw-core "
                + kernelVersion + " (not tablesaw-core 0.43.1), " + kernelGuava + " (not guava-old.jar)"),
                ProvidedJars.warning(java.util.List.of(old, fresh, guavaOld)), "many: one line");
    }
}
