package orbit.magics;

import orbit.provenance.BundleClone;
import orbit.provenance.RunRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `orbit bundle clone NAME NEW [--from-run RUN_ID]`: a faithful re-run of a bundle or of one of its runs. */
@Command(name = "clone", mixinStandardHelpOptions = true,
        description = "Make NEW with NAME's job.json (new name and creation time) and the same inputs, verified by sha256 while copying; "
                + "its precheck then says which critical dependencies resolve differently from NAME's run.",
        footer = {"", "Examples:",
                "  orbit bundle clone demo demo-rerun",
                "  orbit bundle clone demo demo-rerun --from-run 20261206T101500Z-ab12"})
public final class BundleCloneCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Bundle to clone (name or path).")
    String name;

    @Parameters(index = "1", paramLabel = "NEW", description = "Name of the new bundle.")
    String newName;

    @Option(names = "--from-run", paramLabel = "RUN_ID",
            description = "Clone the job.json and inputs index as they were for this run (default: the bundle as it is now).")
    String fromRun;

    @Override
    public void run() {
        var root = bundleRoot();
        var bundle = root.open(name);
        RunRef from = fromRun == null ? RunRef.of(bundle) : RunRef.run(bundle, fromRun);
        console().out().println(BundleClone.clone(root, from, newName).line());
    }
}
