package orbit.magics;

import picocli.CommandLine.Command;

/** `orbit bundle ...` / `%bundle ...`: create, stage, inspect bundles. */
@Command(name = "bundle", description = "Create, stage into and inspect bundles.",
        mixinStandardHelpOptions = true,
        subcommands = {BundleNewCommand.class, BundleStageCommand.class, BundleShowCommand.class,
                BundleListCommand.class, BundleValidateCommand.class, BundleExportCommand.class, BundleImportCommand.class})
public final class BundleCommand extends Subcommand implements Runnable {
    @Override
    public void run() {
        spec.commandLine().usage(console().out());
    }
}
