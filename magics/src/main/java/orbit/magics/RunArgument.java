package orbit.magics;

import orbit.bundle.BundleRoot;
import orbit.provenance.RunRef;
import picocli.CommandLine.Parameters;

/**
 * A positional argument naming a bundle as it is now or one of its runs ({@code NAME}, a path, or
 * {@code NAME@RUN_ID}): a picocli mixin for the commands that read what a run was. Its index follows the
 * command's other positional arguments in declaration order, so one command can take several.
 */
final class RunArgument {
    @Parameters(paramLabel = "RUN", description = "A bundle (name or path), or BUNDLE@RUN_ID for one of its runs.")
    String ref;

    RunRef resolve(BundleRoot root) {
        return RunRef.resolve(root, ref);
    }
}
