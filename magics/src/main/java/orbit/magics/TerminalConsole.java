package orbit.magics;

import java.io.PrintWriter;

/**
 * The console of the `orbit` CLI: text on stdout and stderr. On a terminal an updatable display (`launch wait`'s
 * progress line, `nvml --watch`'s table) is redrawn in place with ANSI cursor moves; piped or redirected, it prints
 * a plain line or table per change, as a log wants.
 */
public final class TerminalConsole implements Console {
    /** Cursor to the start of the line, clear from there to the end of the screen. */
    static final String CLEAR_BELOW = "\r\u001b[J";
    /** Autowrap off while a block is drawn, so each line takes exactly one terminal row and the redraw counts hold. */
    static final String WRAP_OFF = "\u001b[?7l";
    static final String WRAP_ON = "\u001b[?7h";

    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean tty;

    public TerminalConsole(PrintWriter out, PrintWriter err) {
        this(out, err, false);
    }

    /** {@code tty}: stdout is a terminal that understands ANSI cursor moves. */
    public TerminalConsole(PrintWriter out, PrintWriter err, boolean tty) {
        this.out = out;
        this.err = err;
        this.tty = tty;
    }

    public static TerminalConsole system() {
        return new TerminalConsole(new PrintWriter(System.out, true), new PrintWriter(System.err, true), stdoutIsTerminal());
    }

    /**
     * Java 17 says only whether stdin and stdout both are a terminal ({@link System#console()}); that is the case of a
     * person watching. TERM=dumb (Emacs shells, some CI logs) gets plain lines.
     */
    static boolean stdoutIsTerminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.isBlank() && !term.equals("dumb");
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
        String[] last = {TextForm.of(initial)};
        if (!tty) {
            // no cursor control: a line (or table) each time the text changes
            display(initial);
            return value -> {
                String text = TextForm.of(value);
                if (!text.equals(last[0])) {
                    last[0] = text;
                    display(value);
                }
            };
        }
        draw(last[0], 0);
        return value -> {
            String text = TextForm.of(value);
            if (text.equals(last[0])) return;
            draw(text, rows(last[0]));
            last[0] = text;
        };
    }

    /** Redraws a block over the {@code previousRows} rows drawn last, leaving the cursor on the line below it. */
    private void draw(String text, int previousRows) {
        StringBuilder sb = new StringBuilder(WRAP_OFF);
        if (previousRows > 0) sb.append("\u001b[").append(previousRows).append('A');
        sb.append(CLEAR_BELOW).append(text).append('\n').append(WRAP_ON);
        out.print(sb);
        out.flush();
    }

    static int rows(String text) {
        return (int) Math.max(1, text.lines().count());
    }

    @Override
    public void bind(String variable, Object value) {
        err.println("orbit: note: --as " + variable + " binds a variable only in a notebook or JShell; printed instead");
        display(value);
    }
}
