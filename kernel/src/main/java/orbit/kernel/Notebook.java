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
        if (c == null) System.out.println(value);
        else c.display(value);
    }

    public static Console.Display displayUpdatable(Object value) {
        KernelConsole c = current;
        if (c == null) {
            System.out.println(value);
            return v -> System.out.println(v);
        }
        return c.displayUpdatable(value);
    }

    public static void clearOutput() {
        KernelConsole c = current;
        if (c != null) c.clearOutput();
    }
}
