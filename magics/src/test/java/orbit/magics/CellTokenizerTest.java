package orbit.magics;

import orbit.OrbitException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CellTokenizerTest {
    @Test
    void splitsLikeAShellWithoutExpanding() {
        assertEquals(List.of("bundle", "new", "x", "--", "python3", "a b", "it's", "$HOME", "$(id)"),
                CellTokenizer.split("bundle new x -- python3 'a b' \"it's\" '$HOME' \"\\$(id)\""));
        assertEquals(List.of("a\"b", "c\\d"), CellTokenizer.split("a\\\"b 'c\\d'"));
        assertEquals(List.of(""), CellTokenizer.split("''"));
    }

    @Test
    void unclosedQuoteIsAUserError() {
        assertThrows(OrbitException.class, () -> CellTokenizer.split("bundle new 'oops"));
    }

    @Test
    void magicLineRunsTheSameCommandAsTheCli() {
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        var console = new TerminalConsole(new java.io.PrintWriter(out), new java.io.PrintWriter(err));
        assertEquals(Commands.USAGE, Commands.runMagic(console, "%bundle new"));
        assertEquals(true, err.toString().startsWith("orbit: Missing required parameter: 'NAME'"), err.toString());
    }
}
