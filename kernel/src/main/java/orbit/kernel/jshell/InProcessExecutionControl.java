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
 * and renders it richly, not just its string. Each snippet runs on its own thread so an interrupt can stop
 * even {@code while (true) {}}: {@link #stop()} uses Thread.stop, which still works on Java 17.
 */
public final class InProcessExecutionControl extends DirectExecutionControl {
    private static final Object NO_VALUE = new Object();

    private volatile Thread running;
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
        private final InProcessExecutionControl control = new InProcessExecutionControl();

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

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        lastValue = NO_VALUE;
        lastThrown = null;
        stopRequested.set(false);
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                result[0] = doitMethod.invoke(null);
            } catch (InvocationTargetException e) {
                failure[0] = e.getCause();
            } catch (ThreadDeath e) {
                failure[0] = e;
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "orbit-cell");
        t.setContextClassLoader(doitMethod.getDeclaringClass().getClassLoader());
        running = t;
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            stopThread(t);
            t.join(1000);
        } finally {
            running = null;
        }
        if (stopRequested.get() || failure[0] instanceof ThreadDeath) {
            stoppedLast = true;
            throw new StoppedException();
        }
        if (failure[0] != null) {
            lastThrown = failure[0];
            return throwConvertedInvocationException(failure[0]);
        }
        lastValue = result[0];
        return valueString(result[0]);
    }

    @Override
    public void stop() {
        Thread t = running;
        if (t != null) {
            stopRequested.set(true);
            stopThread(t);
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
