package orbit.kernel.jshell;

import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs snippets in the kernel's own JVM so the kernel sees the live value of each expression (a Table, a bundle)
 * and renders it richly, not just its string. Snippets run on a cell thread of their own (reused until a cell is
 * stopped) so an interrupt can stop even {@code while (true) {}}: {@link #stop()} uses Thread.stop, which still
 * works on Java 17.
 */
public final class InProcessExecutionControl extends DirectExecutionControl {
    private static final Object NO_VALUE = new Object();

    private volatile Thread running;
    private volatile boolean pendingStop;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private volatile Object lastValue = NO_VALUE;
    private volatile Throwable lastThrown;
    private volatile boolean stoppedLast;

    /** True once if the last snippet was stopped by an interrupt. */
    public boolean takeStopped() {
        boolean s = stoppedLast;
        stoppedLast = false;
        return s;
    }

    /** Registers under the name "orbit-inprocess"; the session builds it directly. */
    public static final class Provider implements ExecutionControlProvider {
        private final InProcessExecutionControl control;

        /** Snippet classes load below {@code jars}, where the session's added jars are. */
        Provider(SessionJars jars) {
            control = new InProcessExecutionControl(new SnippetLoader(jars));
        }

        public InProcessExecutionControl control() {
            return control;
        }

        @Override
        public String name() {
            return "orbit-inprocess";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return control;
        }
    }

    private InProcessExecutionControl(jdk.jshell.execution.LoaderDelegate loader) {
        super(loader);
    }

    /** The live value of the last snippet run, or empty when it had none. */
    public java.util.Optional<Object> takeValue() {
        Object v = lastValue;
        lastValue = NO_VALUE;
        return v == NO_VALUE ? java.util.Optional.empty() : java.util.Optional.ofNullable(v);
    }

    public boolean hasValue() {
        return lastValue != NO_VALUE;
    }

    /** The live exception the last snippet threw (for frames without kernel internals). */
    public Throwable takeThrown() {
        Throwable t = lastThrown;
        lastThrown = null;
        return t;
    }

    /** One snippet for the cell thread: its method, and what came of it. */
    private static final class Job {
        final Method method;
        final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Object result;
        Throwable failure;

        Job(Method method) {
            this.method = method;
        }
    }

    /**
     * The thread that runs cells, reused from cell to cell (starting a thread per snippet costs more than the
     * snippet itself for a trivial cell). A stopped worker is retired and the next snippet gets a fresh one.
     */
    private static final class Worker extends Thread {
        final java.util.concurrent.LinkedBlockingQueue<Job> jobs = new java.util.concurrent.LinkedBlockingQueue<>();
        volatile boolean retired;
        /** Running a snippet's code: the only time it may be stopped by force (guarded by this worker's monitor). */
        private boolean inJob;
        private final InProcessExecutionControl owner;

        Worker(InProcessExecutionControl owner) {
            super("orbit-cell");
            this.owner = owner;
            setDaemon(true); // an idle cell thread must not keep a finished JVM alive
        }

        @Override
        public void run() {
            while (!retired) {
                Job job;
                try {
                    job = jobs.take();
                } catch (ThreadDeath d) {
                    return; // stopped before it picked up the cell (an interrupt right at its start): it is retired
                } catch (InterruptedException e) {
                    continue; // an interrupt that came after its cell had finished: nothing to stop
                }
                Thread.interrupted(); // each cell starts with a clear interrupt status, as on a new thread
                setContextClassLoader(job.method.getDeclaringClass().getClassLoader());
                try {
                    synchronized (this) {
                        // a stop asked for before the snippet started: it never starts (nothing is stopped by force)
                        if (owner.pendingStop) {
                            retired = true; // as a thread stopped by force would be: the next cell gets a fresh one
                            throw new ThreadDeath();
                        }
                        inJob = true;
                    }
                    try {
                        job.result = job.method.invoke(null);
                    } finally {
                        synchronized (this) {
                            inJob = false;
                        }
                    }
                } catch (InvocationTargetException e) {
                    job.failure = e.getCause();
                } catch (Throwable e) {
                    job.failure = e;
                } finally {
                    job.done.countDown();
                }
            }
        }
    }

    private Worker worker;

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        lastValue = NO_VALUE;
        lastThrown = null;
        stopRequested.set(false);
        Worker w = worker;
        if (w == null || w.retired || !w.isAlive()) {
            w = new Worker(this);
            w.start();
            worker = w;
        }
        Job job = new Job(doitMethod);
        running = w;
        try {
            w.jobs.add(job);
            // a worker killed outside its job (a stop racing the job's end) never counts down: notice it died
            while (!job.done.await(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (!w.isAlive()) break;
            }
        } catch (InterruptedException e) {
            retire(w);
            stopThread(w);
            job.done.await(1, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            running = null;
        }
        if (stopRequested.get() || job.failure instanceof ThreadDeath || job.done.getCount() > 0) {
            retire(w);
            stoppedLast = true;
            throw new StoppedException();
        }
        if (job.failure != null) {
            lastThrown = job.failure;
            return throwConvertedInvocationException(job.failure);
        }
        lastValue = job.result;
        return valueString(job.result);
    }

    private void retire(Worker w) {
        w.retired = true;
        if (worker == w) worker = null;
    }

    /** Asks the current cell to stop: now if it is running, else when it starts running (see {@link #clearStop}). */
    public void requestStop() {
        pendingStop = true;
        stop();
    }

    public boolean stopPending() {
        return pendingStop;
    }

    /** A new cell starts: a stop requested for the last one is dropped. */
    public void clearStop() {
        pendingStop = false;
    }

    @Override
    public void stop() {
        Thread t = running;
        if (t instanceof Worker w) {
            // only a worker inside a snippet's code is stopped by force: one waiting for its job, or between jobs,
            // may hold a lock of the queue, and a stop there would break the queue for good
            synchronized (w) {
                if (!w.inJob) return;
                stopRequested.set(true);
                w.retired = true;
                stopThread(w);
            }
        }
    }

    public boolean isRunning() {
        return running != null;
    }

    @SuppressWarnings({"deprecation", "removal"})
    private static void stopThread(Thread t) {
        t.interrupt();
        t.stop();
    }
}
