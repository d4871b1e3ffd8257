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
        RunHandle run = LaunchCommand.latest(this, name);
        try {
            console().out().println(run.sync().summary());
            console().display(run.status());
        } finally {
            if (run instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing a connection that is already gone
                }
            }
        }
        console().out().flush();
        return Commands.OK;
    }
}
