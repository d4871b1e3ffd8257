package orbit.magics;

import orbit.bundle.Bundle;
import orbit.bundle.BundleSummary;
import orbit.bundle.Inputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** `orbit bundle stage NAME SRC`: copies a dataset or config into inputs/ and records its digests. */
@Command(name = "stage", mixinStandardHelpOptions = true,
        description = "Stage a file or directory into the bundle's inputs/ (hard link where possible), recording size and sha256.")
public final class BundleStageCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Bundle name or path.")
    String name;

    @Parameters(index = "1", paramLabel = "SRC", description = "File or directory to stage.")
    Path source;

    @Option(names = "--as", paramLabel = "PATH", description = "Path under inputs/ (default: SRC's name).")
    String as;

    @Option(names = "--replace", description = "Replace different content already staged at PATH; the old digests stay in the index history.")
    boolean replace;

    @Override
    public void run() {
        Bundle bundle = bundleRoot().open(name);
        Inputs.StageResult r = Inputs.of(bundle).stage(source, as, replace);
        String what = r.files() + (r.files() == 1 ? " file, " : " files, ") + BundleSummary.humanSize(r.bytes());
        String verb = switch (r.outcome()) {
            case STAGED -> "staged";
            case REPLACED -> "replaced";
            case UNCHANGED -> "unchanged (already staged)";
        };
        console().out().println(verb + ": inputs/" + r.path() + " (" + what + ")");
    }
}
