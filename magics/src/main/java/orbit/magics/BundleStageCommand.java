package orbit.magics;

import orbit.bundle.Bundle;
import orbit.bundle.BundleSummary;
import orbit.bundle.Inputs;
import orbit.provenance.ForkStaging;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/**
 * `orbit bundle stage NAME SRC`: copies a dataset or config into inputs/ and records its digests.
 * With --fork MODULE it stages a fork of a critical dependency with its FORK_MANIFEST.json (see {@link ForkStaging}).
 */
@Command(name = "stage", mixinStandardHelpOptions = true,
        description = "Stage a file or directory into the bundle's inputs/ (hard link where possible), recording size and sha256.",
        footer = {"", "Examples:",
                "  orbit bundle stage demo data/train.jsonl --as data/train.jsonl",
                "  orbit bundle stage demo ~/src/ms-swift --fork swift      # inputs/forks/ms-swift, FORK_MANIFEST.json, PYTHONPATH"})
public final class BundleStageCommand extends Subcommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "Bundle name or path.")
    String name;

    @Parameters(index = "1", paramLabel = "SRC", description = "File or directory to stage.")
    Path source;

    @Option(names = "--as", paramLabel = "PATH", description = "Path under inputs/ (default: SRC's name).")
    String as;

    @Option(names = "--replace", description = "Replace different content already staged at PATH; the old digests stay in the index history.")
    boolean replace;

    @Option(names = "--fork", paramLabel = "MODULE",
            description = "SRC is a fork of MODULE: stage its package (default --as forks/<SRC name>), write FORK_MANIFEST.json, "
                    + "set job.json's fork and put the fork first on PYTHONPATH.")
    String fork;

    @Option(names = "--repository", paramLabel = "URL", description = "With --fork: the upstream repository (default: the checkout's remote).")
    String repository;

    @Option(names = "--commit", paramLabel = "SHA", description = "With --fork: the 40-character upstream commit (default: the checkout's HEAD).")
    String commit;

    @Override
    public void run() {
        Bundle bundle = bundleRoot().open(name);
        if (fork != null) {
            console().out().println(ForkStaging.stage(bundle, source, fork, as, repository, commit, replace).line());
            return;
        }
        if (repository != null || commit != null) {
            throw new orbit.OrbitException("--repository and --commit describe a fork: add --fork MODULE");
        }
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
