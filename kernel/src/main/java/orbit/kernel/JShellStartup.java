package orbit.kernel;

import orbit.kernel.jshell.JavaSession;

/**
 * Prints the startup script for plain JShell ({@code orbit-jshell}): the same default imports as the kernel,
 * limited to packages present on this classpath (an import of a missing package would fail at startup).
 */
public final class JShellStartup {
    private JShellStartup() {}

    public static void main(String[] args) {
        System.out.print(script());
    }

    public static String script() {
        StringBuilder sb = new StringBuilder("// ORBIT: default imports of the Java (ORBIT) kernel\n");
        for (String pkg : JavaSession.DEFAULT_IMPORTS) {
            if (JavaSession.importable(pkg)) sb.append("import ").append(pkg).append(";\n");
        }
        sb.append("import static orbit.kernel.Notebook.*;\n");
        return sb.toString();
    }
}
