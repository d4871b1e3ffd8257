package orbit.magics;

import orbit.deps.MavenResolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * `%maven group:artifact:version...`: resolves the artifacts with their runtime dependencies (Maven Central, or
 * ORBIT_MAVEN_REPOSITORIES, or --repo), caches them in the local Maven repository and adds the jars to the session.
 */
@Command(name = "maven", mixinStandardHelpOptions = true,
        description = {"Resolve Maven artifacts with their dependencies and add them to the notebook's Java session.",
                "In a terminal, prints the resolved class path."})
public final class MavenCommand extends Subcommand implements Runnable {
    @Parameters(arity = "1..*", paramLabel = "GROUP:ARTIFACT:VERSION", description = "Coordinates, e.g. com.google.code.gson:gson:2.11.0")
    List<String> coordinates;

    @Option(names = "--repo", paramLabel = "URL", description = "Another repository to search (repeatable; file:// works).")
    List<String> repos = new ArrayList<>();

    @Option(names = "--offline", description = "Use only what the local repository already holds.")
    boolean offline;

    @Option(names = "--local-repo", paramLabel = "DIR", description = "Local repository (default: ~/.m2/repository).")
    Path localRepo;

    @Option(names = {"-q", "--quiet"}, description = "Do not list the jars added.")
    boolean quiet;

    @Override
    public void run() {
        List<String> urls = new ArrayList<>(MavenResolver.defaultRepositories());
        urls.addAll(repos);
        MavenResolver resolver = new MavenResolver(localRepo != null ? localRepo : MavenResolver.defaultLocalRepository(), urls, offline);
        List<Path> jars = resolver.resolve(coordinates);
        if (!quiet) {
            console().info().println("resolved " + String.join(", ", coordinates) + ": " + jars.size() + " jar" + (jars.size() == 1 ? "" : "s")
                    + " (" + String.join(", ", jars.stream().map(p -> p.getFileName().toString()).toList()) + ")");
            console().info().flush();
        }
        console().addToClasspath(jars);
    }
}
