package orbit.launch;

import orbit.OrbitException;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one quoting helper for every generated script: any byte string except NUL becomes one bash word
 * that expands back to exactly that string. Single quotes make everything literal ($, `, \, *, ;, newlines);
 * a single quote itself is closed, escaped and reopened.
 */
public final class ShellQuote {
    private ShellQuote() {}

    public static String quote(String s) {
        if (s.indexOf('\0') >= 0) {
            throw new OrbitException("an argument contains a NUL byte, which no program can receive: remove it from job.json");
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Words separated by single spaces, each quoted: the body of a bash array literal or a command line. */
    public static String words(List<String> words) {
        return words.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
    }

    /** A shell variable name: letters, digits, underscore, not starting with a digit. */
    public static String name(String name, String what) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new OrbitException(what + " = " + name + ": not a valid environment variable name (letters, digits, _; not starting with a digit)");
        }
        return name;
    }
}
