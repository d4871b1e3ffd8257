package orbit.nvml;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples at a fixed rate into an {@link AuditWriter}: sampler_start, then one line per GPU per tick,
 * events as they happen, and sampler_stop when stopped. Fixed-rate scheduling keeps the ticks on the
 * interval grid even when one sample is slow; a failing sample is recorded as an event and the
 * next tick still runs.
 */
public final class Recorder implements AutoCloseable {
    private final GpuSampler sampler;
    private final AuditWriter writer;
    private final Duration interval;
    private final ScheduledExecutorService clock;
    private final AtomicLong samples = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile long stopAfter = Long.MAX_VALUE;
    private volatile CountDownLatch reached;
    private boolean started;
    private boolean done;

    public Recorder(GpuSampler sampler, AuditWriter writer, Duration interval) {
        if (interval.compareTo(Interval.MINIMUM) < 0) throw new orbit.OrbitException("the interval must be at least 100ms");
        this.sampler = sampler;
        this.writer = writer;
        this.interval = interval;
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "orbit-nvml-recorder");
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes sampler_start (with {@code note} as its reason, may be null) and starts ticking. */
    public synchronized Recorder start(String note) {
        if (started) return this;
        started = true;
        sampler.onEvent(writer::write);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("schema_version", AuditWriter.SCHEMA);
        details.put("interval_ms", interval.toMillis());
        details.put("pid", ProcessHandle.current().pid());
        details.putAll(sampler.describe());
        writer.write(new GpuEvent(Instant.now(), GpuEvent.SAMPLER_START, null, sampler.source(), note, details));
        clock.scheduleAtFixedRate(this::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        return this;
    }

    private void tick() {
        try {
            writer.write(sampler.sample());
        } catch (RuntimeException e) {
            // recorded, not thrown: an exception would cancel every later tick of the schedule
            writer.write(GpuEvent.of(GpuEvent.SAMPLER_ERROR, null, sampler.source(), String.valueOf(e.getMessage())));
        }
        long n = samples.incrementAndGet();
        CountDownLatch r = reached;
        if (r != null && n >= stopAfter) r.countDown();
    }

    /** Records {@code count} samples (then stops) or until interrupted. */
    public void recordSamples(long count, String note) throws InterruptedException {
        CountDownLatch r = new CountDownLatch(1);
        stopAfter = count;
        reached = r;
        start(note);
        try {
            r.await();
        } finally {
            stop("recorded " + count + " samples");
        }
    }

    public long samples() {
        return samples.get();
    }

    public Duration interval() {
        return interval;
    }

    /** Blocks until {@link #stop} ran (e.g. from a shutdown hook). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops ticking, writes sampler_stop with {@code reason}, closes the sampler and the file. Idempotent. */
    public synchronized void stop(String reason) {
        if (done) return;
        done = true;
        clock.shutdown();
        try {
            if (!clock.awaitTermination(5, TimeUnit.SECONDS)) clock.shutdownNow();
        } catch (InterruptedException e) {
            clock.shutdownNow();
            Thread.currentThread().interrupt();
        }
        try {
            sampler.close();
        } finally {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("samples", samples.get());
            writer.write(new GpuEvent(Instant.now(), GpuEvent.SAMPLER_STOP, null, sampler.source(), reason, details));
            writer.close();
            stopped.countDown();
        }
    }

    @Override
    public void close() {
        stop("closed");
    }
}
