package orbit.magics;

import orbit.provenance.BundleDiff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `orbit bundle diff A B [--json]`: what differs between two bundles or runs (NAME or NAME@RUN_ID). */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Compare two bundles or runs, the first (a) with the second (b): job.json fields, inputs by sha256, critical dependencies "
                + "as their prechecks resolved them, fork files, upstream commits, and state, last step, last loss and peak GPU memory side by side.",
        footer = {"", "Examples:",
                "  orbit bundle diff demo demo-rerun",
                "  orbit bundle diff demo@20261206T101500Z-ab12 demo --json"})
public final class BundleDiffCommand extends Subcommand implements Runnable {
    @Mixin
    RunArgument a;

    @Mixin
    RunArgument b;

    @Option(names = "--json", description = "Print one orbit.diff.v1 object (see docs/provenance.md).")
    boolean json;

    @Override
    public void run() {
        var root = bundleRoot();
        BundleDiff diff = BundleDiff.of(a.resolve(root), b.resolve(root));
        if (json) {
            console().out().println(diff.json());
        } else {
            console().display(diff);
        }
    }
}
