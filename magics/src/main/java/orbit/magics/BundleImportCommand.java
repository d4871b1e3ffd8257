package orbit.magics;

import orbit.bundle.BundleArchive;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/**
 * `orbit bundle import FILE.tar.gz [--name NEW]`: unpacks an exported bundle under the bundle root after checking
 * every file against the bundle's own manifest and inputs index. An existing bundle of that name is kept: the import
 * is refused, or with --replace the existing one is moved whole to .replaced/ first.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Unpack an exported bundle under the bundle root, verifying every file.")
public final class BundleImportCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "FILE.tar.gz", description = "Archive written by `orbit bundle export`.")
    Path archive;

    @Option(names = "--name", paramLabel = "NEW", description = "Bundle name to import as (default: the exported name).")
    String name;

    @Option(names = "--as", paramLabel = "VAR", description = "In a notebook, bind the imported Bundle to this variable.")
    String as;

    @Option(names = "--replace", description = "If the bundle exists, move it whole to .replaced/ under the bundle root first (nothing is deleted).")
    boolean replace;

    @Override
    public void run() {
        if (replace) {
            String target = name != null ? name : BundleArchive.topName(archive);
            bundleRoot().moveAside(target, orbit.launch.LastRun::stateOf).ifPresent(p -> console().out().println(
                    "moved the existing bundle " + target + " to " + p + " (kept whole; remove it when no longer needed)"));
        }
        BundleArchive.ImportReport report = BundleArchive.importArchive(archive, bundleRoot(), name);
        console().out().println(report);
        console().out().flush();
        if (as != null) console().bind(as, report.bundle());
    }
}
