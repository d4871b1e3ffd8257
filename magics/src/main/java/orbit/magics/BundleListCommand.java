package orbit.magics;

import orbit.bundle.BundleSummary;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;

/** `orbit bundle list`: every bundle under the root with its creation time, last run state and size. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List bundles under the bundle root.")
public final class BundleListCommand extends Subcommand implements Runnable {
    @Override
    public void run() {
        List<BundleSummary> all = bundleRoot().list(orbit.launch.LastRun::stateOf);
        PrintWriter out = console().out();
        if (all.isEmpty()) {
            out.println(console().hint("no bundles under " + bundleRoot().dir() + " (create one with `orbit bundle new NAME`)"));
            return;
        }
        out.printf("%-24s %-26s %-16s %10s%n", "NAME", "CREATED", "LAST RUN", "SIZE");
        for (BundleSummary s : all) {
            String state = s.problem() != null ? "invalid" : s.lastRunState() == null ? "-" : s.lastRunState();
            out.printf("%-24s %-26s %-16s %10s%n", s.name(), s.createdAt() == null ? "-" : s.createdAt(), state,
                    BundleSummary.humanSize(s.sizeBytes()));
        }
    }
}
