package orbit.magics;

import orbit.bundle.Bundle;
import orbit.bundle.BundleArchive;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** `orbit bundle export NAME --out FILE.tar.gz`: packs a bundle so an analysis can travel with the run it reads. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Pack a bundle (job, inputs, scripts, runtime, artifacts) into a .tar.gz for a colleague.")
public final class BundleExportCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Bundle name under the root, or a path to a bundle.")
    String name;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.tar.gz", description = "Archive to write (replaced atomically).")
    Path out;

    @Override
    public void run() {
        Bundle bundle = bundleRoot().open(name);
        int files = BundleArchive.export(bundle, out);
        console().out().println("exported " + bundle.path().getFileName() + " (" + files + " files) to " + out);
        console().out().flush();
    }
}
