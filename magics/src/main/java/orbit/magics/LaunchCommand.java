package orbit.magics;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.launch.LaunchOptions;
import orbit.launch.LastRun;
import orbit.launch.RunHandle;
import orbit.launch.RunProgress;
import orbit.launch.RunStatus;
import orbit.launch.Target;
import orbit.launch.Launcher;
import orbit.targets.Targets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * `orbit launch NAME [--target local] [--simulate-gpus N]` starts a run; `status`, `logs`, `wait`, `cancel`
 * ask about the bundle's latest run. Every answer is read from the bundle's files, so any process can ask.
 */
@Command(name = "launch", description = "Launch a bundle's job and follow its run.",
        mixinStandardHelpOptions = true,
        subcommands = {LaunchCommand.Status.class, LaunchCommand.Logs.class, LaunchCommand.Wait.class, LaunchCommand.Cancel.class,
                LaunchPullCommand.class})
public final class LaunchCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Bundle name (under --root) or path.")
    String name;

    @Option(names = "--target", defaultValue = "local", description = "Where to run: local, ssh://user@host[:port], slurm or slurm+ssh://user@login-host[:port] (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--simulate-gpus", paramLabel = "N", description = "Ask the GPU tracker to simulate N GPUs when none is present.")
    Integer simulateGpus;

    @Option(names = "--heartbeat", paramLabel = "DURATION", defaultValue = "5s", description = "Heartbeat interval (default: ${DEFAULT-VALUE}).")
    String heartbeat;

    @picocli.CommandLine.Mixin
    SshTargetOptions ssh;

    @Override
    public Integer call() {
        if (name == null) {
            spec.commandLine().usage(console().out());
            return Commands.USAGE;
        }
        if (simulateGpus != null && simulateGpus < 1) throw new OrbitException("--simulate-gpus " + simulateGpus + ": give a positive number of GPUs");
        Bundle bundle = bundleRoot().open(name);
        Target ssh = this.ssh.target(target, console());
        Target t = ssh != null ? ssh : Targets.parse(target);
        LaunchOptions options = LaunchOptions.defaults().withHeartbeat(duration("--heartbeat", heartbeat)).withSimulateGpus(simulateGpus);
        RunHandle run = new Launcher(Targets::parse).launch(t, bundle, options);
        console().out().println("launched run " + run.runId() + " of " + bundle.name() + " on " + t.spec() + ": " + bundle.path());
        console().display(run.status());
        return Commands.OK;
    }

    /** The latest run of a bundle, through the target that recorded it. */
    static RunHandle latest(Subcommand cmd, String name) {
        Bundle bundle = cmd.bundleRoot().open(name);
        LastRun last = LastRun.read(bundle.runtimeDir()).orElseThrow(() ->
                new OrbitException("bundle " + bundle.name() + " has never been launched: start it with `orbit launch " + name + "`"));
        return Targets.parse(last.target()).attach(bundle).orElseThrow(() ->
                new OrbitException("bundle " + bundle.name() + " has never been launched: start it with `orbit launch " + name + "`"));
    }

    /** "500ms", "10s", "5m", "2h", or a bare number of seconds. */
    static Duration duration(String option, String text) {
        return orbit.bundle.Quantities.duration(option, text, true);
    }

    @Command(name = "status", description = "Show the state of a bundle's latest run.", mixinStandardHelpOptions = true)
    static final class Status extends Subcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            console().display(latest(this, name).status());
            return Commands.OK;
        }
    }

    @Command(name = "logs", description = "Print a log of the latest run (training.log unless --file).", mixinStandardHelpOptions = true)
    static final class Logs extends Subcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = {"-f", "--follow"}, description = "Keep printing as the log grows, until the run ends.")
        boolean follow;

        @Option(names = "--file", defaultValue = "training", description = "runtime, precheck, training or gpu (default: ${DEFAULT-VALUE}).")
        String file;

        @Option(names = {"-n", "--tail"}, defaultValue = "200", description = "Lines to print without --follow (default: ${DEFAULT-VALUE}).")
        int tail;

        @Override
        public Integer call() throws InterruptedException {
            RunHandle.LogSurface surface = switch (file) {
                case "runtime" -> RunHandle.LogSurface.RUNTIME;
                case "precheck" -> RunHandle.LogSurface.PRECHECK;
                case "training" -> RunHandle.LogSurface.TRAINING;
                case "gpu" -> RunHandle.LogSurface.GPU;
                default -> throw new OrbitException("--file " + file + ": choose runtime, precheck, training or gpu");
            };
            RunHandle run = latest(this, name);
            if (follow) {
                run.follow(surface, console().out(), console()::interrupted);
            } else {
                run.logs(surface, tail).forEach(console().out()::println);
            }
            console().out().flush();
            return Commands.OK;
        }
    }

    @Command(name = "wait", description = "Wait for the latest run to end; exit status 1 unless it succeeded.", mixinStandardHelpOptions = true)
    static final class Wait extends Subcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--timeout", paramLabel = "DURATION", description = "Give up after this long (default: no limit).")
        String timeout;

        @Override
        public Integer call() throws InterruptedException {
            RunHandle run = latest(this, name);
            Duration limit = timeout == null ? Duration.ofDays(3650) : duration("--timeout", timeout);
            long deadline = System.nanoTime() + Math.min(limit.toNanos(), Long.MAX_VALUE / 4);
            // One progress display updated in place, at most 4 times a second, until the run ends.
            RunStatus st = run.status();
            Console.Display bar = console().displayUpdatable(RunProgress.of(run.bundle(), st));
            try {
                while (!st.state().terminal() && System.nanoTime() < deadline) {
                    Thread.sleep(250);
                    st = run.status();
                    bar.update(RunProgress.of(run.bundle(), st));
                }
            } catch (InterruptedException e) {
                // only the waiting stops: the run is a process of its own
                console().err().println(console().hint("stopped waiting; run " + st.run().runId() + " of " + name
                        + " continues: watch it with `orbit launch wait " + name + "` or `orbit launch logs " + name + " --follow`"));
                console().err().flush();
                return Commands.INTERRUPTED;
            }
            console().display(st);
            if (st.succeeded()) return Commands.OK;
            if (!st.state().terminal()) {
                console().err().println("orbit: error: " + console().hint("run " + st.run().runId() + " still " + st.state().wire() + " after " + timeout + ": wait again or cancel it with `orbit launch cancel " + name + "`"));
            } else {
                console().err().println("orbit: error: " + console().hint("run " + st.run().runId() + " ended " + st.state().wire() + ": read `orbit launch logs " + name + "` and runtime/runtime.log"));
            }
            console().err().flush();
            return Commands.FAILED;
        }
    }

    @Command(name = "cancel", description = "Stop the latest run: SIGTERM to its process group, SIGKILL after the grace period.", mixinStandardHelpOptions = true)
    static final class Cancel extends Subcommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "10s", description = "Time between SIGTERM and SIGKILL (default: ${DEFAULT-VALUE}).")
        String grace;

        @Override
        public Integer call() throws InterruptedException {
            console().display(latest(this, name).cancel(duration("--grace", grace)));
            return Commands.OK;
        }
    }
}
