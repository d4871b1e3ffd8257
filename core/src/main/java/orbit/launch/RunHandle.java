package orbit.launch;

import orbit.bundle.Bundle;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** One run of a bundle. Every answer comes from the bundle's files (state on disk is the API). */
public interface RunHandle extends AutoCloseable, orbit.display.MimeBundle {
    Bundle bundle();

    String runId();

    /** The current state; a run whose process vanished without finalizing is recorded as {@code lost} here. */
    RunStatus status();

    /** Blocks until the run ends or the timeout passes; returns the status at that moment. */
    RunStatus waitFor(Duration timeout) throws InterruptedException;

    /** {@link #waitFor} for a target that can only look again: {@code status} every {@code pollMs} until the run ends. */
    static RunStatus pollUntilEnded(java.util.function.Supplier<RunStatus> status, Duration timeout, long pollMs)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        RunStatus st = status.get();
        while (!st.state().terminal() && System.nanoTime() < deadline) {
            Thread.sleep(pollMs);
            st = status.get();
        }
        return st;
    }

    /** SIGTERM to the run's whole process group, SIGKILL after {@code grace}; the run ends {@code cancelled}. */
    RunStatus cancel(Duration grace) throws InterruptedException;

    /** The last {@code lines} lines of one log surface (empty when it does not exist yet). */
    List<String> logs(LogSurface surface, int lines);

    /** Copies a log surface to {@code out} as it grows until the run ends or {@code stop} says so. */
    void follow(LogSurface surface, PrintWriter out, BooleanSupplier stop) throws InterruptedException;

    /** Brings runtime/ and artifacts/ to the control side now and says what came; nothing for a local run. */
    Pulled sync();

    /** Where the run executes, for people: "this machine", "ssh://user@host". */
    default String where() {
        return "this machine";
    }

    /**
     * The handle as a small key/value table: what it points at, read from nothing but the handle itself (asking the
     * run's state may mean a round trip to a host: that is {@link #status()}).
     */
    @Override
    default java.util.Map<String, String> mimeBundle() {
        java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
        f.put("bundle", bundle().name());
        f.put("run", runId());
        f.put("where", where());
        f.put("path", bundle().path());
        f.put("state", "status() reads it; waitFor(timeout), cancel(grace), logs(surface, n) act on it");
        return orbit.display.RecordView.of(getClass().getSimpleName(), f);
    }

    /** Releases a connection the handle holds; nothing for a local run. */
    @Override
    default void close() {}

    /** The log files a person reads, in decision-tree order. */
    enum LogSurface {
        RUNTIME("runtime/runtime.log"),
        PRECHECK("artifacts/runtime-precheck.log"),
        TRAINING("artifacts/training.log"),
        GPU("artifacts/nvml-audit.jsonl");

        private final String relative;

        LogSurface(String relative) {
            this.relative = relative;
        }

        public Path in(Bundle bundle) {
            return bundle.path().resolve(relative);
        }

        public String relative() {
            return relative;
        }
    }
}
