package orbit.kernel;

import jdk.jshell.execution.RemoteExecutionControl;
import jdk.jshell.execution.Util;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The JVM that runs orbit-jshell's snippets (JShell's remote side, named by {@code --execution}): as JShell's
 * own, except that a value JShell shows ({@code $1 ==> ...}) is a table's or a record's text view, as a notebook
 * shows it, instead of its toString.
 */
public final class JShellRunner extends RemoteExecutionControl {
    public static void main(String[] args) throws Exception {
        Socket socket = new Socket((String) null, Integer.parseInt(args[0]));
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        Map<String, Consumer<OutputStream>> outputs = new HashMap<>();
        outputs.put("out", st -> System.setOut(new PrintStream(st, true)));
        outputs.put("err", st -> System.setErr(new PrintStream(st, true)));
        Map<String, Consumer<InputStream>> inputs = new HashMap<>();
        inputs.put("in", System::setIn);
        Util.forwardExecutionControlAndIO(new JShellRunner(), in, out, outputs, inputs);
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        Object value = doitMethod.invoke(null);
        return shownAsView(value) ? Notebook.text(value) : valueString(value);
    }

    /** Tables, records and ORBIT's displayable values; everything else as JShell shows it. */
    static boolean shownAsView(Object value) {
        return value instanceof tech.tablesaw.api.Table || value instanceof Record || value instanceof orbit.display.MimeBundle
                || value instanceof orbit.bundle.Bundle;
    }
}
