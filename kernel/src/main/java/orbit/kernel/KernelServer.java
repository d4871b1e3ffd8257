package orbit.kernel;

import orbit.OrbitException;
import orbit.kernel.display.Renderers;
import orbit.kernel.jshell.CellOutcome;
import orbit.kernel.jshell.JavaSession;
import orbit.kernel.wire.ConnectionInfo;
import orbit.kernel.wire.Transport;
import orbit.kernel.wire.Transport.Channel;
import orbit.magics.Commands;
import orbit.magics.OrbitVersion;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.dflib.jjava.jupyter.messages.reply.InputReply;
import org.dflib.jjava.jupyter.messages.request.CompleteRequest;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;
import org.dflib.jjava.jupyter.messages.request.InspectRequest;
import org.dflib.jjava.jupyter.messages.request.IsCompleteRequest;
import org.dflib.jjava.jupyter.messages.request.ShutdownRequest;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Answers the Jupyter protocol: shell requests run one at a time on the shell thread, control requests
 * (interrupt, shutdown) on their own thread so they act while a cell runs. Replies are built as plain maps over
 * jjava-jupyter's message and header model.
 */
public final class KernelServer {
    public static final String PROTOCOL_VERSION = "5.3";

    private record Inbound(Message<?> message, long arrivedNanos) {}

    private static final boolean TRACE = System.getenv("ORBIT_KERNEL_TRACE") != null;
    private final Transport transport;
    private final BlockingQueue<Inbound> shellQueue = new LinkedBlockingQueue<>();
    private final BlockingQueue<Inbound> controlQueue = new LinkedBlockingQueue<>();
    private final CompletableFuture<JavaSession> session = new CompletableFuture<>();
    private final Renderers renderers = Renderers.standard();
    private final History history = new History();
    private final PrintStream kernelLog;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private final KernelConsole console;
    private final MagicCompleter magicCompleter;
    private final NotebookMagics magics;
    private final CellStream stdout;
    private final CellStream stderr;
    private final StdinBridge stdin;

    private volatile Message<?> parent;
    private volatile boolean allowStdin;
    private volatile long abortBefore = Long.MIN_VALUE;
    private volatile boolean magicRunning;
    // an interrupt that lands while a cell is still waiting for JShell or being compiled must not be lost
    private volatile boolean executing;
    private volatile boolean interruptPending;
    private volatile long lastInterrupt = System.nanoTime();
    private volatile Thread shellThread;
    private int executionCount;

    public KernelServer(ConnectionInfo info, PrintStream kernelLog) {
        this.transport = new Transport(info);
        this.kernelLog = kernelLog;
        this.stdout = new CellStream(text -> stream("stdout", text));
        this.stderr = new CellStream(text -> stream("stderr", text));
        this.stdin = new StdinBridge(this::requestInput);
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(stdout, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(stderr, StandardCharsets.UTF_8), true);
        this.console = new KernelConsole(renderers, new KernelConsole.Publisher() {
            @Override
            public void displayData(Map<String, String> data, String displayId, boolean update) {
                publishDisplay(data, displayId, update);
            }

            @Override
            public void clearOutput() {
                publish(MessageType.PUBLISH_CLEAR_OUTPUT, Map.of("wait", false));
            }
        }, (name, value) -> session.join().declare(name, value), out, err);
        console.onClasspath(entries -> entries.forEach(e -> session.join().addToClasspath(e)));
        this.magics = new NotebookMagics(console, this::runJavaForMagic);
        this.magicCompleter = new MagicCompleter(console, magics);
    }

    /** Binds the sockets, starts JShell in the background and serves until shutdown; returns the exit code. */
    public int serve() {
        PrintStream userOut = new PrintStream(stdout, true, StandardCharsets.UTF_8);
        PrintStream userErr = new PrintStream(stderr, true, StandardCharsets.UTF_8);
        System.setOut(userOut);
        System.setErr(userErr);
        System.setIn(stdin);
        Notebook.attach(console);
        transport.start(this::inbound);
        Thread init = new Thread(() -> {
            try {
                JavaSession s = new JavaSession(JavaSession.ownClassPath(), userOut, userErr, stdin);
                s.eval("import static orbit.kernel.Notebook.*;");
                s.complete("Stri", 4); // warms the completion path before the first request
                session.complete(s);
            } catch (Throwable t) {
                kernelLog.println("orbit kernel: JShell failed to start: " + t);
                session.completeExceptionally(t);
            }
        }, "orbit-jshell-init");
        init.setDaemon(true);
        init.start();
        Thread shell = new Thread(() -> loop(shellQueue), "orbit-shell");
        shell.setDaemon(true);
        shellThread = shell;
        shell.start();
        Thread control = new Thread(() -> loop(controlQueue), "orbit-control");
        control.setDaemon(true);
        control.start();
        int code = exit.join();
        console.shutdown();
        transport.close();
        return code;
    }

    private void inbound(Channel channel, Message<?> m) {
        switch (channel) {
            case SHELL -> shellQueue.add(new Inbound(m, System.nanoTime()));
            case CONTROL -> controlQueue.add(new Inbound(m, System.nanoTime()));
            case STDIN -> {
                if (m.getContent() instanceof InputReply r) stdin.reply(r.getValue() == null ? "" : r.getValue());
            }
            default -> { }
        }
    }

    private void loop(BlockingQueue<Inbound> queue) {
        while (!exit.isDone()) {
            Inbound in;
            try {
                in = queue.take();
            } catch (InterruptedException e) {
                continue;
            }
            Message<?> m = in.message();
            publishStatus(m, "busy");
            long t0 = System.nanoTime();
            try {
                handle(in);
                if (TRACE) kernelLog.printf("orbit kernel: %s queued %.2f ms, handled %.2f ms%n", m.getHeader().getType().getName(),
                        (t0 - in.arrivedNanos()) / 1e6, (System.nanoTime() - t0) / 1e6);
            } catch (RuntimeException e) {
                kernelLog.println("orbit kernel: failed to answer " + m.getHeader().getType().getName() + ": " + e);
                e.printStackTrace(kernelLog);
                replyError(m, "the kernel could not process it: " + e);
            } finally {
                publishStatus(m, "idle");
            }
        }
    }

    private void handle(Inbound in) {
        Message<?> m = in.message();
        String type = m.getHeader().getType().getName();
        String problem = unprocessable(type, m.getContent());
        if (problem != null) {
            kernelLog.println("orbit kernel: " + type + " refused: " + problem);
            replyError(m, problem);
            return;
        }
        switch (type) {
            case "kernel_info_request" -> reply(m, "kernel_info_reply", kernelInfo());
            case "execute_request" -> execute(m, (ExecuteRequest) m.getContent(), in.arrivedNanos());
            case "complete_request" -> complete(m, (CompleteRequest) m.getContent());
            case "inspect_request" -> inspect(m, (InspectRequest) m.getContent());
            case "is_complete_request" -> isComplete(m, (IsCompleteRequest) m.getContent());
            case "history_request" -> history(m, (HistoryRequest) m.getContent());
            case "comm_info_request" -> reply(m, "comm_info_reply", Map.of("status", "ok", "comms", Map.of()));
            case "interrupt_request" -> {
                interrupt();
                reply(m, "interrupt_reply", Map.of("status", "ok"));
            }
            case "shutdown_request" -> shutdown(m, (ShutdownRequest) m.getContent());
            default -> kernelLog.println("orbit kernel: ignoring " + type);
        }
    }

    /** Why a request's content cannot be processed (missing, unreadable, or without the code it needs), or null. */
    static String unprocessable(String type, Object content) {
        if (!type.endsWith("_request") || type.equals("kernel_info_request") || type.equals("comm_info_request")
                || type.equals("interrupt_request")) {
            return null;
        }
        if (content instanceof orbit.kernel.wire.WireCodec.Unreadable u) return "content is not a valid " + type + ": " + u.problem();
        if (content == null) return "content is missing";
        String code = switch (type) {
            case "execute_request" -> content instanceof ExecuteRequest r ? r.getCode() : null;
            case "complete_request" -> content instanceof CompleteRequest r ? r.getCode() : null;
            case "inspect_request" -> content instanceof InspectRequest r ? r.getCode() : null;
            case "is_complete_request" -> content instanceof IsCompleteRequest r ? r.getCode() : null;
            default -> "";
        };
        return code == null ? "content.code is missing or null: send the code as a string" : null;
    }

    /** An error reply (status "error") to a request the kernel cannot process, so no client waits forever. */
    private void replyError(Message<?> request, String problem) {
        String type = request.getHeader().getType().getName();
        if (!type.endsWith("_request")) return;
        String evalue = type + ": " + problem;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("status", "error");
        c.put("ename", "BadRequest");
        c.put("evalue", evalue);
        c.put("traceback", List.of("orbit kernel: " + evalue));
        if (type.equals("execute_request")) c.put("execution_count", executionCount);
        try {
            reply(request, type.substring(0, type.length() - "_request".length()) + "_reply", c);
        } catch (RuntimeException e) {
            kernelLog.println("orbit kernel: could not send the error reply to " + type + ": " + e);
        }
    }

    // ---------------------------------------------------------------- kernel_info

    private Map<String, Object> kernelInfo() {
        Map<String, Object> lang = new LinkedHashMap<>();
        lang.put("name", "java");
        lang.put("version", Runtime.version().toString());
        lang.put("mimetype", "text/x-java-source");
        lang.put("file_extension", ".jshell");
        lang.put("pygments_lexer", "java");
        lang.put("codemirror_mode", "java");
        lang.put("nbconvert_exporter", "script");
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("status", "ok");
        c.put("protocol_version", PROTOCOL_VERSION);
        c.put("implementation", "orbit");
        c.put("implementation_version", OrbitVersion.get());
        c.put("language_info", lang);
        c.put("banner", "ORBIT Java kernel " + OrbitVersion.get() + " (JShell, Java " + Runtime.version().feature()
                + "): %help lists the magics");
        c.put("help_links", List.of(Map.of("text", "ORBIT kernel", "url", "https://github.com/")));
        return c;
    }

    // ---------------------------------------------------------------- execute

    private void execute(Message<?> m, ExecuteRequest req, long arrived) {
        if (arrived < abortBefore) {
            reply(m, "execute_reply", Map.of("status", "aborted", "execution_count", executionCount));
            return;
        }
        boolean silent = req.isSilent();
        boolean store = req.shouldStoreHistory() && !silent;
        if (store) executionCount++;
        int count = executionCount;
        String code = req.getCode();
        parent = m;
        allowStdin = req.isStdinEnabled();
        if (!silent) publish(MessageType.PUBLISH_EXECUTE_INPUT, Map.of("code", code, "execution_count", count));
        Map<String, Object> error = null;
        String resultText = null;
        // an interrupt that came after this cell arrived (still queued behind the last one) stops it too
        interruptPending = lastInterrupt - arrived > 0;
        executing = true;
        try {
            if (interruptPending) {
                error = errorContent(new CellOutcome.Interrupted());
            } else if (isMagic(code)) {
                error = runMagics(code);
            } else {
                CellOutcome outcome = evalCell(code);
                flushStreams();
                reportNotices(session.join());
                if (outcome instanceof CellOutcome.Ok ok) {
                    if (ok.hasValue()) {
                        Map<String, String> data = renderers.render(ok.value().orElse(null));
                        resultText = data.get("text/plain");
                        if (!silent) publishResult(count, data);
                    }
                } else {
                    error = errorContent(outcome);
                }
            }
        } catch (RuntimeException e) {
            error = Map.of("ename", e.getClass().getSimpleName(), "evalue", String.valueOf(e.getMessage()),
                    "traceback", List.of("orbit kernel: " + e));
            kernelLog.println("orbit kernel: cell failed inside the kernel: " + e);
        } finally {
            executing = false;
            flushStreams();
            allowStdin = false;
        }
        if (store) history.add(count, code, resultText);
        if (error != null) {
            if (!silent) publish(MessageType.PUBLISH_ERROR, error);
            Map<String, Object> c = new LinkedHashMap<>(error);
            c.put("status", "error");
            c.put("execution_count", count);
            c.put("user_expressions", Map.of());
            c.put("payload", List.of());
            if (req.shouldStopOnError()) abortBefore = System.nanoTime();
            reply(m, "execute_reply", c);
        } else {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("status", "ok");
            c.put("execution_count", count);
            c.put("user_expressions", Map.of());
            c.put("payload", List.of());
            reply(m, "execute_reply", c);
        }
        if (!isMagic(code)) {
            // after the reply, so the user never waits on it; the next request waits at most one consolidation
            try {
                JavaSession js = session.join();
                js.retireOldValues();
                js.maybeConsolidate();
                reportNotices(js);
            } catch (RuntimeException e) {
                kernelLog.println("orbit kernel: consolidating JShell failed: " + e);
            }
        }
    }

    /** What JShell did to earlier declarations (a reset variable, an import that made one unusable) goes to the cell's stderr. */
    private void reportNotices(JavaSession js) {
        List<String> notices = js.takeNotices();
        if (notices.isEmpty()) return;
        PrintStream err = System.err;
        for (String n : notices) err.println(n);
        flushStreams();
    }

    /**
     * Runs a Java cell. JShell can only stop code it is running, so an interrupt that arrived while the session was
     * still starting or the cell was compiling is remembered and honoured here and at the cell's first run.
     */
    private CellOutcome evalCell(String code) {
        JavaSession js = session.join();
        js.beginCell();
        if (interruptPending) {
            js.endCell();
            return new CellOutcome.Interrupted();
        }
        return js.eval(code);
    }

    static boolean isMagic(String code) {
        return code.stripLeading().startsWith("%");
    }

    /** Each line of a magic cell is one magic (a %% cell is one cell magic); the first failing one stops the cell with its one-line error. */
    private Map<String, Object> runMagics(String code) {
        NotebookMagics.Result r;
        magicRunning = true;
        try {
            r = magics.run(code);
        } finally {
            magicRunning = false;
            Thread.interrupted();
        }
        console.out().flush();
        console.err().flush();
        if (r.rc() == Commands.OK) return null;
        String ename = r.rc() == Commands.INTERRUPTED ? "Interrupted" : "MagicError";
        return Map.of("ename", ename, "evalue", r.error(), "traceback", List.of());
    }

    /** %load: a file of Java run as a cell; its last value is displayed, its error printed and returned as one line. */
    private String runJavaForMagic(String code) {
        JavaSession js = session.join();
        CellOutcome outcome = js.eval(code);
        flushStreams();
        reportNotices(js);
        if (outcome instanceof CellOutcome.Ok ok) {
            if (ok.hasValue()) console.display(ok.value().orElse(null));
            return null;
        }
        Map<String, Object> error = errorContent(outcome);
        @SuppressWarnings("unchecked")
        List<String> tb = (List<String>) error.get("traceback");
        tb.forEach(console.err()::println);
        console.err().flush();
        return String.valueOf(error.get("evalue"));
    }

    private Map<String, Object> errorContent(CellOutcome outcome) {
        List<String> tb = new ArrayList<>();
        String ename;
        String evalue;
        if (outcome instanceof CellOutcome.CompileError ce) {
            ename = "CompilationError";
            evalue = ce.problems().get(0).line() + ":" + ce.problems().get(0).column() + ": " + ce.problems().get(0).message();
            for (CellOutcome.Problem p : ce.problems()) tb.add("\u001b[31mcompile error\u001b[0m at " + p.render());
        } else if (outcome instanceof CellOutcome.RuntimeError re) {
            ename = re.exceptionClass();
            evalue = re.message();
            tb.add("\u001b[31m" + re.exceptionClass() + "\u001b[0m" + (re.message().isEmpty() ? "" : ": " + re.message()));
            tb.addAll(re.frames());
        } else {
            ename = "Interrupted";
            evalue = "the cell was stopped";
            tb.add("\u001b[31mInterrupted\u001b[0m: the cell was stopped");
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ename", ename);
        c.put("evalue", evalue);
        c.put("traceback", tb);
        return c;
    }

    private void flushStreams() {
        System.out.flush();
        System.err.flush();
        console.out().flush();
        console.err().flush();
        stdout.flush();
        stderr.flush();
    }

    // ---------------------------------------------------------------- complete, inspect, is_complete, history

    private void complete(Message<?> m, CompleteRequest req) {
        String code = req.getCode();
        int cursor = Math.min(Math.max(req.getCursorPos(), 0), code.length());
        int lineStart = code.lastIndexOf('\n', cursor - 1) + 1;
        String line = code.substring(lineStart, cursor);
        List<String> matches;
        int start;
        if (line.stripLeading().startsWith("%")) {
            int pct = lineStart + line.indexOf('%');
            MagicCompleter.Result r = magicCompleter.complete(code.substring(pct, cursor), pct);
            matches = r.matches();
            start = r.start();
        } else {
            JavaSession.Completions c = session.join().complete(code, cursor);
            matches = c.matches();
            start = c.start();
            if (line.isBlank() || line.strip().matches("%?\\w*") && lineStart == 0 && line.strip().startsWith("%")) {
                // nothing to add
            }
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("status", "ok");
        c.put("matches", matches);
        c.put("cursor_start", start);
        c.put("cursor_end", cursor);
        c.put("metadata", Map.of());
        reply(m, "complete_reply", c);
    }

    private void inspect(Message<?> m, InspectRequest req) {
        Optional<String> doc = session.join().inspect(req.getCode(), req.getCursorPos());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("status", "ok");
        c.put("found", doc.isPresent());
        c.put("data", doc.map(d -> Map.of("text/plain", d)).orElse(Map.of()));
        c.put("metadata", Map.of());
        reply(m, "inspect_reply", c);
    }

    private void isComplete(Message<?> m, IsCompleteRequest req) {
        String code = req.getCode();
        Map<String, Object> c = new LinkedHashMap<>();
        if (isMagic(code)) {
            c.put("status", "complete");
        } else {
            switch (session.join().isComplete(code)) {
                case COMPLETE -> c.put("status", "complete");
                case INCOMPLETE -> {
                    c.put("status", "incomplete");
                    c.put("indent", "    ");
                }
                default -> c.put("status", "invalid");
            }
        }
        reply(m, "is_complete_reply", c);
    }

    private void history(Message<?> m, HistoryRequest req) {
        List<History.Entry> entries;
        if (req instanceof HistoryRequest.Tail t) {
            entries = history.tail(t.getMaxReturnLength());
        } else if (req instanceof HistoryRequest.Range r) {
            entries = history.range(r.getSessionIndex(), r.getStart(), r.getStop());
        } else if (req instanceof HistoryRequest.Search s) {
            entries = history.search(s.getPattern(), s.getMaxReturnLength(), s.filterUnique());
        } else {
            entries = List.of();
        }
        List<List<Object>> rows = new ArrayList<>();
        for (History.Entry e : entries) {
            Object input = req.includeOutput() ? List.of(e.input(), e.output() == null ? "" : e.output()) : e.input();
            rows.add(List.of(e.session(), e.line(), input));
        }
        reply(m, "history_reply", Map.of("status", "ok", "history", rows));
    }

    // ---------------------------------------------------------------- control

    private void interrupt() {
        lastInterrupt = System.nanoTime();
        if (executing) interruptPending = true;
        JavaSession s = session.getNow(null);
        if (s != null && executing) s.stop();
        Thread t = shellThread;
        if (magicRunning && t != null) t.interrupt();
    }

    private void shutdown(Message<?> m, ShutdownRequest req) {
        interrupt();
        reply(m, "shutdown_reply", Map.of("status", "ok", "restart", req.isRestart()));
        JavaSession s = session.getNow(null);
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                kernelLog.println("orbit kernel: closing JShell: " + e);
            }
        }
        exit.complete(0);
    }

    // ---------------------------------------------------------------- stdin

    private boolean requestInput(String prompt) {
        Message<?> p = parent;
        if (!allowStdin || p == null) return false;
        flushStreams();
        Map<String, Object> content = Map.of("prompt", prompt, "password", false);
        @SuppressWarnings({"unchecked", "rawtypes"})
        Message msg = new Message(p.getIdentities(), header(p, "input_request"), p.getHeader(), Map.of(), content, null);
        transport.send(Channel.STDIN, msg);
        return true;
    }

    // ---------------------------------------------------------------- sending

    private static final MessageType<?> UNKNOWN = MessageType.UNKNOWN;

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Header<?> header(Message<?> request, String msgType) {
        MessageType<?> t = MessageType.getType(msgType);
        Header<?> h = request.getHeader();
        return new Header(java.util.UUID.randomUUID().toString(), "orbit", h.getSessionId(),
                org.dflib.jjava.jupyter.messages.KernelTimestamp.now(), t == null ? UNKNOWN : t, PROTOCOL_VERSION);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void reply(Message<?> request, String msgType, Object content) {
        Channel ch = controlQueueOwns(request) ? Channel.CONTROL : Channel.SHELL;
        Message msg = new Message(request.getIdentities(), header(request, msgType), request.getHeader(), Map.of(), content, null);
        transport.send(ch, msg);
    }

    private final java.util.Set<Message<?>> controlMessages = java.util.Collections.newSetFromMap(new java.util.concurrent.ConcurrentHashMap<>());

    private boolean controlQueueOwns(Message<?> request) {
        return Thread.currentThread().getName().equals("orbit-control");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void publishOn(Message<?> parentMsg, String msgType, Object content) {
        if (parentMsg == null) return;
        Message msg = new Message(List.of(("kernel." + msgType).getBytes(StandardCharsets.UTF_8)), header(parentMsg, msgType),
                parentMsg.getHeader(), Map.of(), content, null);
        transport.send(Channel.IOPUB, msg);
    }

    private void publish(MessageType<?> type, Object content) {
        publishOn(parent, type.getName(), content);
    }

    private void publishStatus(Message<?> m, String state) {
        publishOn(m, "status", Map.of("execution_state", state));
    }

    private void stream(String name, String text) {
        publish(MessageType.PUBLISH_STREAM, Map.of("name", name, "text", text));
    }

    private void publishResult(int count, Map<String, String> data) {
        publish(MessageType.PUBLISH_EXECUTION_RESULT, Map.of("execution_count", count, "data", data, "metadata", Map.of()));
    }

    private void publishDisplay(Map<String, String> data, String displayId, boolean update) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("data", data);
        c.put("metadata", Map.of());
        c.put("transient", displayId == null ? Map.of() : Map.of("display_id", displayId));
        publish(update ? MessageType.PUBLISH_UPDATE_DISPLAY_DATA : MessageType.PUBLISH_DISPLAY_DATA, c);
    }

    /** Reports a startup failure as one line (e.g. a connection file that cannot be read). */
    static OrbitException failure(String message) {
        return new OrbitException(message);
    }
}
