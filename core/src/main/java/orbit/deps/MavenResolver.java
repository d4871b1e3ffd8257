package orbit.deps;

import orbit.OrbitException;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.repository.RepositoryPolicy;
import org.eclipse.aether.resolution.ArtifactResult;
import org.eclipse.aether.resolution.DependencyRequest;
import org.eclipse.aether.resolution.DependencyResolutionException;
import org.eclipse.aether.resolution.DependencyResult;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.supplier.SessionBuilderSupplier;
import org.eclipse.aether.transfer.ArtifactNotFoundException;
import org.eclipse.aether.transfer.ArtifactTransferException;
import org.eclipse.aether.util.artifact.JavaScopes;
import org.eclipse.aether.util.filter.DependencyFilterUtils;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Resolves Maven coordinates (group:artifact:version, optionally group:artifact:extension[:classifier]:version)
 * with their runtime dependencies, the way Maven itself would, and returns the jar paths. Downloads are cached
 * in a local repository (by default the user's ~/.m2/repository), so a second resolution needs no network.
 *
 * <p>Repositories: Maven Central unless {@code ORBIT_MAVEN_REPOSITORIES} (comma-separated URLs) or an explicit
 * list says otherwise; a file:// URL works as a repository too.
 */
public final class MavenResolver {
    public static final String CENTRAL = "https://repo.maven.apache.org/maven2/";
    public static final String REPOSITORIES_ENV = "ORBIT_MAVEN_REPOSITORIES";
    private static final Pattern COORDS = Pattern.compile("[^: ]+:[^: ]+(:[^: ]*){0,2}:[^: ]+");

    private final Path localRepository;
    private final List<RemoteRepository> repositories;
    private final boolean offline;

    public MavenResolver(Path localRepository, List<String> repositoryUrls, boolean offline) {
        this.localRepository = localRepository.toAbsolutePath().normalize();
        List<RemoteRepository> repos = new ArrayList<>();
        int i = 0;
        for (String url : repositoryUrls) {
            String id = url.equals(CENTRAL) ? "central" : "repo" + (i++);
            RepositoryPolicy policy = new RepositoryPolicy(true, RepositoryPolicy.UPDATE_POLICY_DAILY, RepositoryPolicy.CHECKSUM_POLICY_WARN);
            repos.add(new RemoteRepository.Builder(id, "default", url).setPolicy(policy).build());
        }
        this.repositories = List.copyOf(repos);
        this.offline = offline;
    }

    /** The user's local repository and Maven Central, or the repositories named in ORBIT_MAVEN_REPOSITORIES. */
    public static MavenResolver defaults() {
        return new MavenResolver(defaultLocalRepository(), defaultRepositories(), false);
    }

    public static Path defaultLocalRepository() {
        String prop = System.getProperty("maven.repo.local");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    public static List<String> defaultRepositories() {
        String env = System.getenv(REPOSITORIES_ENV);
        if (env == null || env.isBlank()) return List.of(CENTRAL);
        List<String> out = new ArrayList<>();
        for (String s : env.split(",")) if (!s.isBlank()) out.add(s.strip());
        return out;
    }

    /** The same resolver with more repositories searched after these. */
    public MavenResolver withRepositories(List<String> extraUrls) {
        List<String> urls = new ArrayList<>();
        for (RemoteRepository r : repositories) urls.add(r.getUrl());
        urls.addAll(extraUrls);
        return new MavenResolver(localRepository, urls, offline);
    }

    public Path localRepository() {
        return localRepository;
    }

    /** Jar paths of {@code coordinates} and everything they need at runtime, in classpath order, without duplicates. */
    public List<Path> resolve(List<String> coordinates) {
        if (coordinates.isEmpty()) throw new OrbitException("no coordinates given: write group:artifact:version, e.g. com.google.code.gson:gson:2.11.0");
        List<Dependency> roots = new ArrayList<>();
        for (String c : coordinates) {
            if (!COORDS.matcher(c).matches()) {
                throw new OrbitException("'" + c + "' is not Maven coordinates: write group:artifact:version, e.g. com.google.code.gson:gson:2.11.0");
            }
            roots.add(new Dependency(new DefaultArtifact(c), JavaScopes.RUNTIME));
        }
        RepositorySystem system = new RepositorySystemSupplier().get();
        try (RepositorySystemSession.CloseableSession session = new SessionBuilderSupplier(system).get()
                .withLocalRepositoryBaseDirectories(localRepository)
                .setSystemProperties(System.getProperties())
                .setOffline(offline)
                .build()) {
            CollectRequest collect = new CollectRequest(roots, List.of(), repositories);
            DependencyRequest request = new DependencyRequest(collect, DependencyFilterUtils.classpathFilter(JavaScopes.RUNTIME));
            DependencyResult result = system.resolveDependencies(session, request);
            List<Path> jars = new ArrayList<>();
            for (ArtifactResult r : result.getArtifactResults()) {
                Path p = r.getArtifact().getPath();
                if (p != null && !jars.contains(p)) jars.add(p);
            }
            return jars;
        } catch (DependencyResolutionException e) {
            throw new OrbitException(explain(e, coordinates), e);
        } finally {
            system.shutdown();
        }
    }

    /** One line naming the coordinates that failed and where they were looked for. */
    private String explain(DependencyResolutionException e, List<String> asked) {
        String where = repositories.stream().map(RemoteRepository::getUrl).reduce((a, b) -> a + ", " + b).orElse("no repository");
        DependencyResult partial = e.getResult();
        if (partial != null) {
            for (ArtifactResult r : partial.getArtifactResults()) {
                for (Exception x : r.getExceptions()) {
                    if (x instanceof ArtifactNotFoundException nf) {
                        return "cannot resolve " + coords(nf.getArtifact()) + ": not found in " + where
                                + ": check the group, artifact and version" + (asked.contains(coords(nf.getArtifact())) ? "" : " (needed by " + String.join(", ", asked) + ")");
                    }
                    if (x instanceof ArtifactTransferException tx) {
                        return "cannot download " + coords(tx.getArtifact()) + " from " + where + ": " + firstLine(tx.getMessage())
                                + ": check the network, or point " + REPOSITORIES_ENV + " at a repository you can reach";
                    }
                }
            }
        }
        // collection failures (a missing POM, a version range with no match) carry their cause in the message chain
        Throwable t = e;
        String msg = firstLine(e.getMessage());
        while (t.getCause() != null) {
            t = t.getCause();
            if (t instanceof ArtifactNotFoundException nf) {
                return "cannot resolve " + coords(nf.getArtifact()) + ": not found in " + where + ": check the group, artifact and version";
            }
            msg = firstLine(t.getMessage());
        }
        return "cannot resolve " + String.join(", ", asked) + ": " + msg;
    }

    private static String coords(Artifact a) {
        if (a == null) return "?";
        String ext = a.getExtension();
        String cls = a.getClassifier();
        return a.getGroupId() + ":" + a.getArtifactId()
                + ("jar".equals(ext) && cls.isEmpty() ? "" : ":" + ext + (cls.isEmpty() ? "" : ":" + cls))
                + ":" + a.getVersion();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    @Override
    public String toString() {
        return "MavenResolver[local=" + localRepository + ", repositories=" + repositories.stream().map(RemoteRepository::getUrl).toList() + "]";
    }
}
