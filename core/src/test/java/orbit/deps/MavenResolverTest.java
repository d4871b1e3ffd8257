package orbit.deps;

import orbit.OrbitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Resolves against a real Maven repository layout served from a file:// URL, so the test needs no network:
 * app:1.0 depends on lib:2.0 (compile) and on junit-ish test:1.0 (test scope, must not be resolved).
 */
class MavenResolverTest {
    @TempDir
    Path tmp;

    private static void publish(Path repo, String group, String artifact, String version, String depsXml) throws IOException {
        Path dir = repo.resolve(group.replace('.', '/')).resolve(artifact).resolve(version);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(artifact + "-" + version + ".pom"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>
                  <dependencies>%s</dependencies>
                </project>
                """.formatted(group, artifact, version, depsXml));
        try (OutputStream out = Files.newOutputStream(dir.resolve(artifact + "-" + version + ".jar"));
             JarOutputStream jar = new JarOutputStream(out, new Manifest())) {
            jar.putNextEntry(new ZipEntry(artifact + ".txt"));
            jar.write((artifact + " " + version).getBytes());
            jar.closeEntry();
        }
    }

    private static String dep(String g, String a, String v, String scope) {
        return "<dependency><groupId>" + g + "</groupId><artifactId>" + a + "</artifactId><version>" + v
                + "</version><scope>" + scope + "</scope></dependency>";
    }

    private Path remote() throws IOException {
        Path repo = tmp.resolve("remote");
        publish(repo, "org.example", "lib", "2.0", "");
        publish(repo, "org.example", "testonly", "1.0", "");
        publish(repo, "org.example", "app", "1.0",
                dep("org.example", "lib", "2.0", "compile") + dep("org.example", "testonly", "1.0", "test"));
        publish(repo, "org.example", "broken", "1.0", dep("org.example", "gone", "9.9", "compile"));
        return repo;
    }

    @Test
    void resolvesTransitiveRuntimeDependenciesAndCachesThemLocally() throws IOException {
        Path local = tmp.resolve("m2");
        MavenResolver resolver = new MavenResolver(local, List.of(remote().toUri().toString()), false);
        List<Path> jars = resolver.resolve(List.of("org.example:app:1.0"));
        assertEquals(List.of("app-1.0.jar", "lib-2.0.jar"), jars.stream().map(p -> p.getFileName().toString()).toList());
        for (Path j : jars) assertTrue(j.startsWith(local.toAbsolutePath()), j + " is cached in the local repository");

        // the cache answers on its own: an offline resolver with no reachable remote still finds them
        MavenResolver offline = new MavenResolver(local, List.of(tmp.resolve("nowhere").toUri().toString()), true);
        assertEquals(jars, offline.resolve(List.of("org.example:app:1.0")));
    }

    @Test
    void missingVersionIsOneLineNamingIt() throws IOException {
        MavenResolver resolver = new MavenResolver(tmp.resolve("m2"), List.of(remote().toUri().toString()), false);
        OrbitException e = assertThrows(OrbitException.class, () -> resolver.resolve(List.of("org.example:app:7.7")));
        assertTrue(e.getMessage().startsWith("cannot resolve org.example:app:7.7: not found in file:"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void missingTransitiveDependencyIsNamedWithWhatNeededIt() throws IOException {
        MavenResolver resolver = new MavenResolver(tmp.resolve("m2"), List.of(remote().toUri().toString()), false);
        OrbitException e = assertThrows(OrbitException.class, () -> resolver.resolve(List.of("org.example:broken:1.0")));
        assertTrue(e.getMessage().contains("org.example:gone:9.9"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void malformedCoordinatesAreRefusedBeforeAnyLookup() {
        MavenResolver resolver = new MavenResolver(tmp.resolve("m2"), List.of(MavenResolver.CENTRAL), true);
        OrbitException e = assertThrows(OrbitException.class, () -> resolver.resolve(List.of("jackson-databind")));
        assertTrue(e.getMessage().contains("is not Maven coordinates"), e.getMessage());
    }
}
