package orbit.magics;

import java.io.PrintWriter;

/**
 * Where a command's output goes: a terminal (the `orbit` CLI) or a notebook cell (the kernel).
 * Commands never know which; the kernel renders rich values, a terminal prints their text.
 */
public interface Console {
    PrintWriter out();

    PrintWriter err();

    /**
     * Where progress and success lines go: a terminal keeps them off stdout (which may be piped, as the class path
     * of `orbit maven`), a notebook shows them as plain output, not as an error.
     */
    default PrintWriter info() {
        return err();
    }

    /** Shows a value: a Table, a bundle, an image. A terminal prints its text form. */
    void display(Object value);

    /** A display replaced in place (progress bars, `--watch` tables). */
    Display displayUpdatable(Object initial);

    /** Binds a command's result to a variable of the user's session (`--as NAME`); a terminal has none. */
    void bind(String variable, Object value);

    /**
     * Adds jars or class directories to the user's session (`%classpath`, `%maven`). A terminal has no session:
     * it prints the entries as a class path, ready for `java -cp` or `jshell --class-path`.
     */
    default void addToClasspath(java.util.List<java.nio.file.Path> entries) {
        out().println(String.join(java.io.File.pathSeparator, entries.stream().map(java.nio.file.Path::toString).toList()));
        out().flush();
    }

    /**
     * A message that names commands ("start it with `orbit launch x`"), as this console's user types them:
     * a terminal keeps `orbit VERB`, a notebook says `%VERB`.
     */
    default String hint(String message) {
        return message;
    }

    /** True once the user asked to stop (kernel interrupt). Long-running commands poll it. */
    default boolean interrupted() {
        return Thread.currentThread().isInterrupted();
    }

    /** One display that can be updated in place. */
    interface Display {
        void update(Object value);
    }
}
