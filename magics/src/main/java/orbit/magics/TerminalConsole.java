package orbit.magics;

import java.io.PrintWriter;

/** The console of the `orbit` CLI: text on stdout and stderr. */
public final class TerminalConsole implements Console {
    private final PrintWriter out;
    private final PrintWriter err;

    public TerminalConsole(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    public static TerminalConsole system() {
        return new TerminalConsole(new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter err() {
        return err;
    }

    @Override
    public void display(Object value) {
        out.println(TextForm.of(value));
        out.flush();
    }

    @Override
    public Display displayUpdatable(Object initial) {
        // A terminal cannot replace earlier output portably: print a line only when the text changes.
        String[] last = {TextForm.of(initial)};
        display(initial);
        return value -> {
            String text = TextForm.of(value);
            if (!text.equals(last[0])) {
                last[0] = text;
                display(value);
            }
        };
    }

    @Override
    public void bind(String variable, Object value) {
        err.println("orbit: note: --as " + variable + " binds a variable only in a notebook or JShell; printed instead");
        display(value);
    }
}
