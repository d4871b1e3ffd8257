package orbit.magics;

import java.util.Arrays;

/** The `orbit` command-line entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(Commands.run(TerminalConsole.system(), Arrays.asList(args)));
    }
}
