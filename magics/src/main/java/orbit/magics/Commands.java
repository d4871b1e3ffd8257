package orbit.magics;

import orbit.OrbitException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Runs one command line against a console. The CLI and the kernel's magics both come through here,
 * so exit codes and error lines are the same in both: 0 ok, 1 failure (one line), 2 usage error.
 */
public final class Commands {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    /** The user interrupted the command (Ctrl-C, a notebook's stop button); what it started goes on. */
    public static final int INTERRUPTED = 130;

    private Commands() {}

    /** The whole grammar (every verb): for help, completion and the notebook's list of magics. */
    public static CommandLine commandLine(Console console) {
        return commandLine(console, List.of());
    }

    /**
     * The grammar for one command line: only the verbs it names (a word equal to a verb's name), or every verb when
     * it names none, so `orbit launch demo` does not build the model of every other command first.
     */
    static CommandLine commandLine(Console console, List<String> words) {
        CommandLine cl = new CommandLine(new OrbitCommand(console));
        List<Class<?>> named = OrbitCommand.VERBS.stream()
                .filter(v -> words.contains(v.getAnnotation(CommandLine.Command.class).name())).toList();
        for (Class<?> verb : named.isEmpty() ? OrbitCommand.VERBS : named) cl.addSubcommand(verb);
        PrintWriter out = console.out();
        PrintWriter err = console.err();
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            err.println("orbit: " + ex.getMessage());
            CommandLine sub = ex.getCommandLine();
            err.println(console.hint("Try `" + sub.getCommandSpec().qualifiedName() + " --help`."));
            err.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean debug = ((OrbitCommand) commandLine.getCommandSpec().root().userObject()).debug;
            if (ex instanceof InterruptedException) {
                err.println("orbit: stopped");
                err.flush();
                return INTERRUPTED;
            }
            if (ex instanceof OrbitException) {
                err.println("orbit: error: " + console.hint(ex.getMessage()));
                if (debug) ex.printStackTrace(err);
            } else if (ex instanceof UncheckedIOException io) {
                err.println("orbit: error: " + console.hint(io.getMessage() + ": " + io.getCause().getMessage()));
                if (debug) ex.printStackTrace(err);
            } else {
                err.println("orbit: internal error: " + ex + " (rerun with --debug for the stack trace)");
                if (debug) ex.printStackTrace(err);
            }
            err.flush();
            return FAILED;
        });
        return cl;
    }

    public static int run(Console console, List<String> args) {
        int code = commandLine(console, args).execute(args.toArray(String[]::new));
        console.out().flush();
        console.err().flush();
        return code;
    }

    /** Runs a magic line: `%bundle new x ...` → `bundle new x ...`. */
    public static int runMagic(Console console, String line) {
        String text = line.strip();
        if (text.startsWith("%")) text = text.substring(1);
        List<String> args;
        try {
            args = CellTokenizer.split(text);
        } catch (OrbitException e) {
            console.err().println("orbit: error: " + e.getMessage());
            console.err().flush();
            return USAGE;
        }
        return run(console, args);
    }
}
