package orbit.magics;

import orbit.provenance.BundleDiff;
import orbit.provenance.RunRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `orbit bundle diff A B [--json]`: what differs between two bundles or runs (NAME or NAME@RUN_ID). */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Compare two bundles or runs: job.json fields, inputs by sha256, critical dependencies as their prechecks resolved them, "
                + "fork files, upstream commits, and state, last step, last loss and peak GPU memory side by side.",
        footer = {"", "Examples:",
                "  orbit bundle diff demo demo-rerun",
                "  orbit bundle diff demo@20261206T101500Z-ab12 demo --json"})
public final class BundleDiffCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "A", description = "A bundle (name or path) or BUNDLE@RUN_ID.")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "A bundle (name or path) or BUNDLE@RUN_ID.")
    String b;

    @Option(names = "--json", description = "Print one orbit.diff.v1 object (see docs/provenance.md).")
    boolean json;

    @Override
    public void run() {
        var root = bundleRoot();
        BundleDiff diff = BundleDiff.of(RunRef.resolve(root, a), RunRef.resolve(root, b));
        if (json) {
            console().out().println(diff.json());
        } else {
            console().display(diff);
        }
    }
}
