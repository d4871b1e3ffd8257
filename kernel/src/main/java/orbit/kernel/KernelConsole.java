package orbit.kernel;

import orbit.kernel.display.Renderers;
import orbit.magics.Console;

import java.io.PrintWriter;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The notebook side of {@link Console}: magics and user code show values through the renderer registry,
 * updatable displays send update_display_data at most 4 times a second (the latest value always lands),
 * and {@code --as NAME} declares a JShell variable.
 */
final class KernelConsole implements Console {
    static final long MIN_UPDATE_INTERVAL_MS = 250;

    interface Publisher {
        void displayData(Map<String, String> data, String displayId, boolean update);

        void clearOutput();
    }

    interface Binder {
        /** Declares the variable; returns the type it was declared with. */
        String bind(String variable, Object value);
    }

    private final Renderers renderers;
    private final Publisher publisher;
    private final Binder binder;
    private final PrintWriter out;
    private final PrintWriter err;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orbit-display-throttle");
        t.setDaemon(true);
        return t;
    });

    KernelConsole(Renderers renderers, Publisher publisher, Binder binder, PrintWriter out, PrintWriter err) {
        this.renderers = renderers;
        this.publisher = publisher;
        this.binder = binder;
        this.out = out;
        this.err = err;
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter err() {
        return err;
    }

    /** In a notebook a success line is plain output; stderr reads as an error. */
    @Override
    public PrintWriter info() {
        return out;
    }

    @Override
    public void display(Object value) {
        out.flush();
        err.flush();
        publisher.displayData(renderers.render(value), null, false);
    }

    @Override
    public Display displayUpdatable(Object initial) {
        out.flush();
        String id = UUID.randomUUID().toString();
        publisher.displayData(renderers.render(initial), id, false);
        return new Throttled(id);
    }

    void clearOutput() {
        out.flush();
        err.flush();
        publisher.clearOutput();
    }

    @Override
    public void bind(String variable, Object value) {
        String type = binder.bind(variable, value);
        out.println("bound " + type + " " + variable + " (--as): use it in a Java cell");
        out.flush();
    }

    /** In a notebook the commands a message names are magics: `orbit launch logs x` reads `%launch logs x`. */
    @Override
    public String hint(String message) {
        return message == null ? null : message.replace("`orbit --help`", "`%help`").replace("`orbit ", "`%");
    }

    void shutdown() {
        timer.shutdownNow();
    }

    private volatile java.util.function.Consumer<java.util.List<java.nio.file.Path>> classpath;

    /** Where %classpath and %maven add their jars: the user's JShell. */
    void onClasspath(java.util.function.Consumer<java.util.List<java.nio.file.Path>> sink) {
        this.classpath = sink;
    }

    @Override
    public void addToClasspath(java.util.List<java.nio.file.Path> entries) {
        var sink = classpath;
        if (sink == null) {
            Console.super.addToClasspath(entries);
            return;
        }
        orbit.kernel.jshell.ProvidedJars.warning(entries.stream().filter(java.nio.file.Files::isRegularFile).toList()).ifPresent(err::println);
        err.flush();
        sink.accept(entries);
        out.println("added to the class path: " + String.join(", ", entries.stream().map(p -> p.getFileName().toString()).toList()));
        out.flush();
    }

    /** Sends at most one update per 250 ms; a value arriving sooner waits, replacing any value still waiting. */
    private final class Throttled implements Display {
        private final String id;
        private long lastSent;
        private Object pending;
        private boolean scheduled;

        Throttled(String id) {
            this.id = id;
            this.lastSent = System.nanoTime();
        }

        @Override
        public synchronized void update(Object value) {
            long now = System.nanoTime();
            long waitMs = MIN_UPDATE_INTERVAL_MS - TimeUnit.NANOSECONDS.toMillis(now - lastSent);
            if (waitMs <= 0 && !scheduled) {
                send(value);
                return;
            }
            pending = value;
            if (!scheduled) {
                scheduled = true;
                timer.schedule(this::sendPending, Math.max(waitMs, 1), TimeUnit.MILLISECONDS);
            }
        }

        private synchronized void sendPending() {
            scheduled = false;
            Object v = pending;
            pending = null;
            send(v);
        }

        private void send(Object value) {
            lastSent = System.nanoTime();
            publisher.displayData(renderers.render(value), id, true);
        }
    }
}
