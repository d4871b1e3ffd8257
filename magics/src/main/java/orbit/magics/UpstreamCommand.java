package orbit.magics;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.upstream.BlackboxManifest;
import orbit.upstream.BlackboxRun;
import orbit.upstream.Bridges;
import orbit.upstream.Checkout;
import orbit.upstream.Pinning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * `orbit upstream ...` / `%upstream ...`: pin an upstream to an exact commit, prove its staged checkout is
 * unmodified, run it as-is and record its raw output, or serve it behind a Unix-socket bridge.
 */
@Command(name = "upstream", description = "Pin, check, run and serve black-box upstreams at exact commits.",
        mixinStandardHelpOptions = true,
        subcommands = {UpstreamCommand.Pin.class, UpstreamCommand.Check.class, UpstreamCommand.Run.class,
                UpstreamCommand.Serve.class, UpstreamCommand.Call.class, UpstreamCommand.Stop.class})
public final class UpstreamCommand extends Subcommand implements Runnable {
    /** BUNDLE NAME: the first two arguments of every subcommand that acts on one pinned upstream. */
    static final class PinnedUpstream {
        @Parameters(index = "0", paramLabel = "BUNDLE", description = "Bundle name or path.")
        String bundle;

        @Parameters(index = "1", paramLabel = "NAME", description = "The upstream's name in the bundle's job.json.")
        String name;

        Bundle open(orbit.bundle.BundleRoot root) {
            return root.open(bundle);
        }

        /** Where one run of this upstream is recorded. */
        Path manifest(Bundle b, String runId) {
            return b.artifactsDir().resolve("upstream").resolve(name).resolve(runId).resolve(BlackboxManifest.FILE);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(console().out());
    }

    @Command(name = "pin", mixinStandardHelpOptions = true,
            description = "Record an upstream in job.json and stage a clone detached at COMMIT under inputs/upstream/NAME.",
            footer = {"", "Example:", "  orbit upstream pin demo env ../env-repo 0123456789abcdef0123456789abcdef01234567 -- python3 serve.py"})
    static final class Pin extends Subcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "BUNDLE")
        String bundle;

        @Parameters(index = "1", paramLabel = "NAME", description = "Letters, digits, . _ -; unique in the bundle.")
        String name;

        @Parameters(index = "2", paramLabel = "SOURCE", description = "A local git checkout or a git URL.")
        String source;

        @Parameters(index = "3", paramLabel = "COMMIT", description = "The exact 40-character commit (case and surrounding spaces do not matter).")
        String commit;

        @Parameters(index = "4..*", paramLabel = "COMMAND", description = "After --: the command to run inside the checkout, as-is.")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() {
            Pinning.Pinned p = Pinning.pin(bundleRoot().open(bundle), name, source, commit, command);
            console().out().println("pinned " + p.pin().name() + " of " + p.bundle().name() + " at " + p.pin().commit() + " from " + p.pin().source()
                    + ": staged at " + p.checkout());
            return Commands.OK;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Check that staged upstreams are at their pinned commits with clean trees (ignored files do not count).")
    static final class Check extends Subcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "BUNDLE")
        String bundle;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One upstream (default: all).")
        String name;

        @Override
        public Integer call() {
            Bundle b = bundleRoot().open(bundle);
            List<JobSpec.UpstreamPin> pins = name == null ? b.job().upstream() : List.of(Checkout.pin(b, name));
            if (pins.isEmpty()) {
                console().out().println("bundle " + b.name() + " pins no upstream");
                return Commands.OK;
            }
            boolean ok = true;
            for (JobSpec.UpstreamPin pin : pins) {
                Checkout.Verdict v = Checkout.check(b, pin);
                v.lines().forEach(console().out()::println);
                ok &= v.ok();
            }
            if (ok) return Commands.OK;
            console().err().println("orbit: error: upstream check failed: a launch would stop as precheck_failed; restore the checkout(s) listed above");
            return Commands.FAILED;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run an upstream's pinned command as-is in its checkout; its raw output goes to artifacts/upstream/NAME/RUN_ID/.")
    static final class Run extends Subcommand implements Callable<Integer> {
        @Mixin
        PinnedUpstream upstream;

        @Option(names = "--target", defaultValue = "local", description = "Where to run (default: ${DEFAULT-VALUE}).")
        String target;

        @Override
        public Integer call() {
            if (!"local".equals(target)) {
                throw new OrbitException("--target " + target + ": only the local target runs upstreams for now: run it without --target");
            }
            Bundle b = upstream.open(bundleRoot());
            String name = upstream.name;
            BlackboxManifest m = BlackboxRun.run(b, name);
            Path manifest = upstream.manifest(b, m.runId());
            console().out().println("upstream " + name + " run " + m.runId() + ": exit " + m.exitCode() + ", " + m.artifacts().size()
                    + " raw files, checkout " + (m.treeCleanAfter() ? "clean" : "NOT clean " + m.leftInCheckout()) + ": " + manifest);
            return m.exitCode() != null && m.exitCode() == 0 && m.treeCleanAfter() ? Commands.OK : Commands.FAILED;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Start the pinned command behind a Unix-socket bridge that relays JSON lines to its stdin (see docs/upstream.md).")
    static final class Serve extends Subcommand implements Callable<Integer> {
        @Mixin
        PinnedUpstream upstream;

        @Option(names = "--socket", paramLabel = "PATH", description = "Socket path (at most 107 bytes, outside runtime/; default: a private directory of this user).")
        Path socket;

        @Override
        public Integer call() {
            Bundle b = upstream.open(bundleRoot());
            String name = upstream.name;
            Bridges.Serving s = Bridges.serve(b, name, socket);
            String ref = upstream.bundle + " " + name;
            console().out().println("serving upstream " + name + " of " + b.name() + " on " + s.socket() + " (bridge pid " + s.pid() + ", run " + s.runId()
                    + "): call it with `orbit upstream call " + ref + " JSON`, end it with `orbit upstream stop " + ref + "`");
            return Commands.OK;
        }
    }

    @Command(name = "call", mixinStandardHelpOptions = true, description = "Send one JSON line to a served upstream and print its reply line.")
    static final class Call extends Subcommand implements Callable<Integer> {
        @Mixin
        PinnedUpstream upstream;

        @Parameters(index = "2", paramLabel = "JSON", description = "The request, one JSON value on one line (quote it).")
        String json;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m", description = "Give up waiting for the reply after this long (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() {
            console().out().println(Bridges.call(upstream.open(bundleRoot()), upstream.name, json, LaunchCommand.duration("--timeout", timeout)));
            return Commands.OK;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "End a served upstream and its bridge; the run is recorded like `upstream run`.")
    static final class Stop extends Subcommand implements Callable<Integer> {
        @Mixin
        PinnedUpstream upstream;

        @Override
        public Integer call() {
            Bundle b = upstream.open(bundleRoot());
            String runId = Bridges.stop(b, upstream.name, java.time.Duration.ofSeconds(60));
            console().out().println("stopped upstream " + upstream.name + " of " + b.name() + ": run " + runId + " recorded in "
                    + upstream.manifest(b, runId));
            return Commands.OK;
        }
    }
}
