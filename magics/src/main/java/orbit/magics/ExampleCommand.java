package orbit.magics;

import orbit.trainer.TinyTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `orbit example tiny-trainer --out DIR`: writes shipped examples to disk. */
@Command(name = "example", description = "Write shipped examples to disk.", mixinStandardHelpOptions = true,
        subcommands = {ExampleCommand.TinyTrainerExample.class})
public final class ExampleCommand extends Subcommand implements Runnable {
    @Override
    public void run() {
        spec.commandLine().usage(console().out());
    }

    @Command(name = "tiny-trainer", mixinStandardHelpOptions = true,
            description = "Write tiny_trainer.py, a dependency-free Python trainer with ms-swift style metrics.")
    static final class TinyTrainerExample extends Subcommand implements Callable<Integer> {
        @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Directory to write into (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() {
            Path file = TinyTrainer.writeTo(out);
            console().out().println(file.toAbsolutePath().normalize());
            return Commands.OK;
        }
    }
}
