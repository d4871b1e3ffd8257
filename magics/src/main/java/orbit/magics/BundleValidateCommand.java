package orbit.magics;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.EntrypointFiles;
import orbit.bundle.Inputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.util.List;

/** `orbit bundle validate NAME`: job.json rules, the five parts, and staged inputs still matching their digests. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check job.json, the layout, the files the entrypoint names and the staged inputs' digests.")
public final class BundleValidateCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Bundle name or path.")
    String name;

    @Override
    public void run() {
        Bundle bundle = bundleRoot().open(name);
        for (var dir : List.of(bundle.inputsDir(), bundle.scriptsDir(), bundle.runtimeDir(), bundle.artifactsDir())) {
            if (!Files.isDirectory(dir)) {
                throw new OrbitException("bundle " + bundle.name() + ": " + dir.getFileName() + "/ is missing: recreate the layout or the bundle");
            }
        }
        List<String> problems = Inputs.of(bundle).verify();
        if (!problems.isEmpty()) {
            throw new OrbitException("bundle " + bundle.name() + ": " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        }
        EntrypointFiles.checkStaged(bundle);
        console().out().println("ok: bundle " + bundle.name() + " is valid (" + bundle.path() + ")");
    }
}
