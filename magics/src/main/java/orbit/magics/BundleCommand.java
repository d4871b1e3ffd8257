package orbit.magics;

import picocli.CommandLine.Command;

/** `orbit bundle ...` / `%bundle ...`: create, stage, inspect, clone and compare bundles. */
@Command(name = "bundle", description = "Create, stage into, inspect, clone and compare bundles.",
        mixinStandardHelpOptions = true,
        subcommands = {BundleNewCommand.class, BundleStageCommand.class, BundleShowCommand.class,
                BundleListCommand.class, BundleValidateCommand.class, BundleExportCommand.class, BundleImportCommand.class,
                BundleCloneCommand.class, BundleDiffCommand.class})
public final class BundleCommand extends Subcommand implements Runnable {
    @Override
    public void run() {
        spec.commandLine().usage(console().out());
    }
}
