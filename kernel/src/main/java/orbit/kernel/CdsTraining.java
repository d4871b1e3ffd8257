package orbit.kernel;

import orbit.kernel.display.Renderers;
import orbit.kernel.jshell.JavaSession;
import orbit.kernel.wire.WireCodec;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.KernelTimestamp;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The training run behind the kernel's class-data-sharing archive: {@code install-kernel} runs it once with
 * {@code -XX:ArchiveClassesAtExit}, so the classes a kernel loads on its way to the first reply (jeromq, gson, the
 * message model, JShell and javac) come pre-parsed and pre-verified from the archive instead of from the jars.
 * It touches what a session touches: the wire codec, a socket, JShell evaluation, errors, completion and rendering.
 */
public final class CdsTraining {
    private CdsTraining() {}

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static void main(String[] args) {
        WireCodec codec = new WireCodec("training-key", "hmac-sha256");
        Header<?> h = new Header(java.util.UUID.randomUUID().toString(), "orbit", "training", KernelTimestamp.now(),
                MessageType.EXECUTE_REQUEST, KernelServer.PROTOCOL_VERSION);
        Map<String, Object> content = Map.of("code", "1+1", "silent", false, "store_history", true,
                "user_expressions", Map.of(), "allow_stdin", true, "stop_on_error", true);
        List<byte[]> frames = codec.encode(new Message(List.of(), h, null, Map.of(), content, null));
        try {
            codec.decode(frames);
        } catch (WireCodec.BadSignature e) {
            throw new IllegalStateException(e);
        }
        try (ZMQ.Context ctx = ZMQ.context(1); ZMQ.Socket s = ctx.socket(SocketType.ROUTER)) {
            s.setLinger(0);
            s.bind("tcp://127.0.0.1:*");
            ZMQ.Poller poller = ctx.poller(1);
            poller.register(s, ZMQ.Poller.POLLIN);
            poller.poll(1);
            poller.close();
        }
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true);
        System.setOut(quiet);
        Renderers renderers = Renderers.standard();
        try (JavaSession session = new JavaSession(JavaSession.ownClassPath(), quiet, quiet, new ByteArrayInputStream(new byte[0]))) {
            for (String cell : List.of("import static orbit.kernel.Notebook.*;", "1+1", "int x = 41;", "x + 1",
                    "String greet(String n) { return \"hi \" + n; }", "greet(\"orbit\")", "System.out.println(x);",
                    "var m = new HashMap<String, Integer>(); m.put(\"a\", 1); m", "List.of(1, 2, 3).stream().mapToInt(i -> i).sum()",
                    "int y = \"no\";", "Integer.parseInt(\"no\")", "record P(int a) {}", "new P(1)")) {
                session.eval(cell).toString();
            }
            session.eval("1+1");
            renderers.render(List.of(1, 2));
            session.complete("String.valueO", 13);
            session.complete("x.", 2);
            session.inspect("Math.max", 8);
            session.isComplete("for (int i = 0;");
        }
        System.exit(0);
    }
}
