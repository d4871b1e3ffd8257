package orbit.magics;

import orbit.bundle.BundleRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The root of the one command grammar. `orbit VERB ...` in a shell and `%VERB ...` in a cell
 * both parse through this class and its subcommands.
 */
@Command(name = "orbit",
        mixinStandardHelpOptions = true,
        versionProvider = OrbitVersion.class,
        description = "Orchestrate ML training on rented GPUs: every run is a self-describing bundle.")
public final class OrbitCommand implements Runnable {
    /**
     * The verbs, in the order help lists them. {@link Commands} adds them to the command line itself, so a command
     * line that names one builds only that verb's grammar (picocli models each verb by reflection at start-up).
     */
    static final java.util.List<Class<?>> VERBS = java.util.List.of(BundleCommand.class, LaunchCommand.class, HostsCommand.class,
            NvmlCommand.class, ArtifactsCommand.class, ExampleCommand.class, ClasspathCommand.class, MavenCommand.class, UpstreamCommand.class);

    final Console console;

    @Option(names = "--root", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Bundle root (default: $ORBIT_BUNDLES, else the nearest bundles/ folder here or above, else ./bundles).")
    Path root;

    @Option(names = "--debug", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Show stack traces of internal errors.")
    boolean debug;

    public OrbitCommand(Console console) {
        this.console = console;
    }

    public BundleRoot bundleRoot() {
        return BundleRoot.resolve(root);
    }

    public Console console() {
        return console;
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "missing command: try `orbit --help`");
    }
}
