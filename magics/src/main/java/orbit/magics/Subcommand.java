package orbit.magics;

import orbit.bundle.BundleRoot;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of every command below the root: reaches the session (console, bundle root) through the root command. */
public abstract class Subcommand {
    @Spec
    protected CommandSpec spec;

    protected OrbitCommand root() {
        return (OrbitCommand) spec.root().userObject();
    }

    protected Console console() {
        return root().console();
    }

    protected BundleRoot bundleRoot() {
        return root().bundleRoot();
    }
}
