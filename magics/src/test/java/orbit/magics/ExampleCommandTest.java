package orbit.magics;

import orbit.trainer.TinyTrainer;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExampleCommandTest {
    @Test
    void tinyTrainerHelpListsEveryFlagOfTheTrainer() {
        StringWriter out = new StringWriter();
        int code = Commands.run(new TerminalConsole(new PrintWriter(out), new PrintWriter(new StringWriter())),
                List.of("example", "tiny-trainer", "--help"));
        assertEquals(0, code);
        String help = out.toString();
        List<TinyTrainer.Flag> flags = TinyTrainer.flags();
        assertEquals(12, flags.size(), flags.toString());
        for (TinyTrainer.Flag f : flags) {
            assertTrue(help.contains(f.name() + " " + f.metavar()), f.name() + " in\n" + help);
            assertTrue(f.help() != null && help.contains(f.help()), f.name() + " has help in\n" + help);
        }
        assertTrue(help.matches("(?s).*--grow-memory-mib N\\s+N more MiB of host memory held per step \\(default 0\\)\n.*"), help);
        assertTrue(help.lines().allMatch(l -> l.length() <= 80), "nothing wraps:\n" + help);
        assertTrue(help.contains("--steps N") && help.contains("(default 200)"), help);
    }
}
