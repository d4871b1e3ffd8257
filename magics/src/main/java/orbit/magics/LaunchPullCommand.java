package orbit.magics;

import orbit.launch.RunHandle;
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
        try (RunHandle run = LaunchCommand.latest(this, name)) {
            console().out().println(run.sync());
            console().display(run.status());
        }
        console().out().flush();
        return Commands.OK;
    }
}
