package orbit.ssh;

import orbit.bundle.Bundle;
import orbit.launch.RunState;
import orbit.launch.RunStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The control side's companion of a remote run, a small detached process: probes the host every heartbeat
 * interval, pulls runtime/ and artifacts/ every --sync-every, records `lost` when the host stops answering
 * for the loss window, keeps knocking and reattaches when it answers again, pulls once more at the end and
 * exits. One per bundle (a file lock); everything it knows and says is in the bundle's files.
 */
public final class SyncWatcher {
    static final String LOCK = ".ssh-watch.lock";
    static final String LOG = "ssh-watch.log";
    /** How long a lost host is still knocked on before the watcher gives up (the run stays `lost`). */
    static final Duration GIVE_UP_AFTER = Duration.ofHours(24);

    private final Bundle bundle;
    private final Transport.Connector connector;
    /** Counted down to end the watcher early (tests running one in-process; the process itself ends with its run). */
    private final CountDownLatch stop = new CountDownLatch(1);

    SyncWatcher(Bundle bundle, Transport.Connector connector) {
        this.bundle = bundle;
        this.connector = connector;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SyncWatcher BUNDLE_DIR");
            System.exit(2);
        }
        new SyncWatcher(Bundle.open(Path.of(args[0])), Transport.Connector.SSH).run();
    }

    /** Starts a watcher for {@code bundle} in its own session; a second one for the same bundle exits at once. */
    public static void spawn(Bundle bundle) {
        List<String> argv = new ArrayList<>(List.of("setsid",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"),
                SyncWatcher.class.getName(), bundle.path().toAbsolutePath().toString()));
        try {
            new ProcessBuilder(argv).directory(bundle.path().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(bundle.runtimeDir().resolve(LOG).toFile()))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sync watcher of " + bundle.name(), e);
        }
    }

    /** Ends the watcher at its next look; {@link #run} then returns. */
    void stop() {
        stop.countDown();
    }

    void run() throws InterruptedException {
        Path runtime = bundle.runtimeDir();
        try (FileChannel ch = FileChannel.open(runtime.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            if (lock == null) return; // another watcher has this bundle
            SshLease lease0 = SshRunHandle.attach(bundle, connector).lease();
            lease0.watchedBy(ProcessHandle.current().pid()).write(runtime);
            log("watching " + lease0.target() + ":" + lease0.remoteDir() + " (sync every " + lease0.syncEvery().toSeconds()
                    + " s, lost after " + lease0.lostAfter().toSeconds() + " s)");
            loop();
        } catch (IOException e) {
            log("cannot lock " + runtime.resolve(LOCK) + ": " + e.getMessage());
        }
    }

    /** Sleeps {@code ms} unless the watcher is told to stop; true when it is. */
    private boolean pause(long ms) throws InterruptedException {
        return stop.await(ms, TimeUnit.MILLISECONDS);
    }

    /**
     * Two threads, two connections: the prober asks the host every heartbeat interval and alone decides
     * lost / reattached, so a long pull (a checkpoint) never delays noticing that the host vanished; the
     * puller brings runtime/ and artifacts/ back every --sync-every while the host answers. The puller
     * lives as long as the watcher: losing the host only pauses it, and a reattach wakes it at once
     * (a pull that dies with the connection is simply retried on a fresh one).
     */
    private void loop() throws InterruptedException {
        AtomicBoolean hostOk = new AtomicBoolean(true);
        AtomicBoolean done = new AtomicBoolean(false);
        Semaphore wake = new Semaphore(0);
        try (SshRunHandle h = SshRunHandle.attach(bundle, connector); SshRunHandle puller = SshRunHandle.attach(bundle, connector)) {
            SshLease lease = h.lease();
            long poll = Math.max(250, Math.min(lease.heartbeatMs(), lease.syncEveryMs()));
            Thread pulls = new Thread(() -> {
                while (!done.get()) {
                    if (hostOk.get()) pull(puller, "");
                    try {
                        wake.tryAcquire(lease.syncEvery().toMillis(), TimeUnit.MILLISECONDS);
                        wake.drainPermits();
                    } catch (InterruptedException e) {
                        if (done.get()) return; // interrupted only to end; otherwise pull again
                    }
                }
            }, "orbit-ssh-puller");
            pulls.setDaemon(true);
            pulls.start();
            boolean wasLost = false;
            boolean wasUnreachable = false;
            Instant lostSince = null;
            try {
                while (true) {
                    if (stop.getCount() == 0) return;
                    RunStatus st;
                    try {
                        st = h.status();
                    } catch (RuntimeException e) {
                        log("status failed: " + e.getMessage());
                        if (pause(poll)) return;
                        continue;
                    }
                    boolean answered = st.alive() || !h.lastProbeFailed();
                    hostOk.set(answered);
                    boolean hostLost = st.state() == RunState.LOST && st.run().reason() != null && st.run().reason().startsWith(SshRunHandle.HOST_LOST);
                    if (hostLost) {
                        if (!wasLost) {
                            log("lost: " + st.run().reason());
                            lostSince = Instant.now();
                        }
                        wasLost = true;
                        if (Duration.between(lostSince, Instant.now()).compareTo(GIVE_UP_AFTER) > 0) {
                            log("giving up after " + GIVE_UP_AFTER.toHours() + " h; the run stays lost");
                            return;
                        }
                        if (pause(poll)) return;
                        continue;
                    }
                    if (wasLost) {
                        log("reattached: host answers again, run " + st.run().runId() + " is " + st.state().wire());
                        wasLost = false;
                        wake.release(); // pull what the host wrote while it was out of reach, now
                    }
                    if (st.state().terminal()) {
                        done.set(true);
                        wake.release();
                        pulls.join(60_000);
                        pull(h, "final ");
                        h.status();
                        log("run " + st.run().runId() + " ended " + st.state().wire() + "; watcher done");
                        return;
                    }
                    // not answering yet inside the window: ask again at once, the probe itself is bounded in time
                    if (!answered) {
                        if (!wasUnreachable) log("no answer from " + lease.target() + "; retrying");
                        wasUnreachable = true;
                        if (pause(100)) return;
                        continue;
                    }
                    if (wasUnreachable) wake.release();
                    wasUnreachable = false;
                    if (pause(poll)) return;
                }
            } finally {
                done.set(true);
                wake.release();
                pulls.join(60_000);
                if (pulls.isAlive()) pulls.interrupt();
            }
        }
    }

    private void pull(SshRunHandle h, String what) {
        try {
            EvidencePull.Report r = h.pull();
            if (r.fetched() + r.appended() > 0 || !r.refused().isEmpty() || !r.keptLonger().isEmpty()) log(what + r);
        } catch (RuntimeException e) {
            log(what + "pull failed: " + e.getMessage());
        }
    }

    private void log(String line) {
        try {
            Files.writeString(bundle.runtimeDir().resolve(LOG), Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the watcher's own log is a courtesy; the run state files are what matters
        }
    }
}
