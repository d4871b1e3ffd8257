package orbit.magics;

import orbit.OrbitException;
import orbit.provenance.BundleClone;
import orbit.provenance.RunRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** `orbit bundle clone RUN NEW [--from-run RUN_ID]`: a faithful re-run of a bundle or of one of its runs. */
@Command(name = "clone", mixinStandardHelpOptions = true,
        description = "Make NEW with RUN's job.json (new name and creation time) and the same inputs, verified by sha256 while copying; "
                + "its precheck then says which critical dependencies resolve differently from RUN's.",
        footer = {"", "Examples:",
                "  orbit bundle clone demo demo-rerun",
                "  orbit bundle clone demo@20261206T101500Z-ab12 demo-rerun",
                "  orbit bundle clone demo demo-rerun --from-run 20261206T101500Z-ab12   (the same)"})
public final class BundleCloneCommand extends Subcommand implements Runnable {
    @Mixin
    RunArgument from;

    @Parameters(paramLabel = "NEW", description = "Name of the new bundle.")
    String newName;

    @Option(names = "--from-run", paramLabel = "RUN_ID",
            description = "Clone the job.json and inputs index as they were for this run (default: the bundle as it is now).")
    String fromRun;

    @Override
    public void run() {
        var root = bundleRoot();
        RunRef source;
        if (fromRun == null) {
            source = from.resolve(root);
        } else if (from.ref.contains("@")) {
            throw new OrbitException("clone " + from.ref + " --from-run " + fromRun + ": name the run once, as NAME@RUN_ID or with --from-run");
        } else {
            source = RunRef.run(root.open(from.ref), fromRun);
        }
        console().out().println(BundleClone.clone(root, source, newName).line());
    }
}
