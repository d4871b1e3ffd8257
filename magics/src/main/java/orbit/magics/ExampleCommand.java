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
        /** The trainer's own flags, read once from tiny_trainer.py: they go after the command in `bundle new`. */
        private static final String[] FOOTER = footer();

        @picocli.CommandLine.Spec
        void footerFromTheTrainer(picocli.CommandLine.Model.CommandSpec s) {
            s.usageMessage().footer(FOOTER);
        }

        static String[] footer() {
            java.util.List<String> lines = new java.util.ArrayList<>(java.util.List.of("",
                    "Flags of tiny_trainer.py, given to the job after its command:",
                    "  orbit bundle new NAME -- python3 inputs/tiny_trainer.py FLAGS"));
            for (TinyTrainer.Flag f : TinyTrainer.flags()) {
                String left = f.name() + (f.metavar() == null ? "" : " " + f.metavar());
                String dflt = f.defaultValue() == null || f.defaultValue().equals("None") ? "" : " (default " + f.defaultValue() + ")";
                lines.add(String.format("  %-20s %s%s", left, f.help() == null ? "" : f.help(), dflt));
            }
            lines.add("A run that leaks memory, then crashes:");
            lines.add("  orbit bundle new leak -- python3 inputs/tiny_trainer.py --crash-at-step 40 \\");
            lines.add("      --grow-memory-mib 8");
            return lines.toArray(new String[0]);
        }

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
