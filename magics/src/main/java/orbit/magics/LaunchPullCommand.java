package orbit.magics;

import orbit.launch.RunHandle;
import orbit.ssh.SshRunHandle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** `orbit launch pull NAME`: bring runtime/ and artifacts/ of the latest run back now. */
@Command(name = "pull", description = "Bring runtime/ and artifacts/ of the latest run back now (remote targets).", mixinStandardHelpOptions = true)
public final class LaunchPullCommand extends Subcommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
        RunHandle run = LaunchCommand.latest(this, name);
        if (run instanceof SshRunHandle ssh) {
            try (ssh) {
                console().out().println(ssh.pull());
                console().display(ssh.status());
            }
        } else {
            run.sync();
            console().out().println("nothing to pull: run " + run.runId() + " writes straight into " + run.bundle().path());
        }
        console().out().flush();
        return Commands.OK;
    }
}
