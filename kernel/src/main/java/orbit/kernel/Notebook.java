package orbit.kernel;

import orbit.magics.Console;

/**
 * What user code in a cell can call (imported statically): {@code display(value)} shows a value richly,
 * {@code displayUpdatable(value)} returns a handle whose {@code update(v)} replaces it in place,
 * {@code clearOutput()} clears the cell's output. In plain JShell (no kernel) values print as text.
 */
public final class Notebook {
    private static volatile KernelConsole current;

    private Notebook() {}

    static void attach(KernelConsole console) {
        current = console;
    }

    public static void display(Object value) {
        KernelConsole c = current;
        if (c == null) System.out.println(text(value));
        else c.display(value);
    }

    public static Console.Display displayUpdatable(Object value) {
        KernelConsole c = current;
        if (c == null) {
            System.out.println(text(value));
            return v -> System.out.println(text(v));
        }
        return c.displayUpdatable(value);
    }

    /** Plain JShell: the text a notebook's value has (a table's head and tail, a record as key/value lines). */
    static String text(Object value) {
        if (value instanceof String s) return s;
        return Texts.RENDERERS.render(value).get("text/plain");
    }

    /** Made on first use only: plain JShell may never display anything. */
    private static final class Texts {
        static final orbit.kernel.display.Renderers RENDERERS = orbit.kernel.display.Renderers.standard();
    }

    public static void clearOutput() {
        KernelConsole c = current;
        if (c != null) c.clearOutput();
    }
}
