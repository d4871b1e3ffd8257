package orbit.ssh;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.launch.LastRun;
import orbit.launch.LogTail;
import orbit.launch.RunHandle;
import orbit.launch.RunState;
import orbit.launch.RunStatus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A run on a rented host. The host's runtime/last_run.json and heartbeat are the truth while it answers;
 * the local runtime/last_run.json mirrors them (plus what only the control side can say: lost, cancelled
 * by SIGKILL). When the host stops answering for the loss window the local state becomes {@code lost}
 * with the time it was last seen; when it answers again its own state takes over (reattached).
 */
public final class SshRunHandle implements RunHandle, AutoCloseable {
    /** Reason prefix of a run lost because its host stopped answering (as opposed to its process vanishing). */
    public static final String HOST_LOST = "host stopped answering";

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /** The open connection, apart from the handle so an unreachable handle (a forgotten status in a kernel) closes it. */
    private static final class Connection implements Runnable {
        volatile Transport transport;

        @Override
        public void run() {
            Transport t = transport;
            transport = null;
            if (t != null) t.close();
        }
    }

    private final Bundle bundle;
    private final String runId;
    private final Transport.Connector connector;
    private final Connection connection = new Connection();
    private volatile boolean lastProbeFailed;

    /** True when the last {@link #status()} got no answer from the host. */
    public boolean lastProbeFailed() {
        return lastProbeFailed;
    }

    SshRunHandle(Bundle bundle, String runId, Transport connected, Transport.Connector connector) {
        this.bundle = bundle;
        this.runId = runId;
        this.connector = connector;
        this.connection.transport = connected;
        CLEANER.register(this, connection);
    }

    public static SshRunHandle attach(Bundle bundle) {
        return attach(bundle, Transport.Connector.SSH);
    }

    /** Reattaches from the bundle's files alone, reaching the host through {@code connector}. */
    public static SshRunHandle attach(Bundle bundle, Transport.Connector connector) {
        LastRun run = LastRun.read(bundle.runtimeDir()).orElseThrow(() -> new OrbitException(
                "bundle " + bundle.name() + " has never been launched: start it with `orbit launch " + bundle.name() + " --target ssh://user@host`"));
        return new SshRunHandle(bundle, run.runId(), null, connector);
    }

    SshLease lease() {
        return SshLease.read(bundle.runtimeDir()).orElseThrow(() -> new OrbitException(
                "bundle " + bundle.name() + " has no runtime/ssh.json: launch it with `orbit launch " + bundle.name() + " --target ssh://user@host`"));
    }

    private synchronized Transport transport() {
        Transport t = connection.transport;
        if (t != null && !t.isConnected()) dropTransport();
        if (connection.transport == null) {
            SshLease l = lease();
            connection.transport = connector.connect(l.address(), l.options());
        }
        return connection.transport;
    }

    private synchronized void dropTransport() {
        connection.run();
    }

    @Override
    public String where() {
        try {
            return lease().target();
        } catch (RuntimeException e) {
            return "a host not recorded in runtime/ssh.json";
        }
    }

    @Override
    public String toString() {
        return mimeBundle().get("text/plain");
    }

    @Override
    public Bundle bundle() {
        return bundle;
    }

    @Override
    public String runId() {
        return runId;
    }

    /** What one probe of the host says, and how long the host took to say it. */
    record Probe(LastRun run, String heartbeat, boolean alive, long tookMs) {}

    /** The pid of this run on the host, once an answer named it (a run's pid never changes). */
    private volatile Long knownPid;

    /**
     * How long a probe may wait: what the host's commands have taken times {@link RoundTrip#FACTOR}. A probe
     * that fails never makes a run lost by itself ({@link #unreachable} looks at the silence since the last
     * answer), so a slow shell makes answers slow, not the run lost; a host that froze is noticed by the
     * connection's keepalive before that limit.
     */
    static Duration probeLimit(SshLease l) {
        return RoundTrip.limit(l.roundTripMs());
    }

    /** A limit for a command of the control side: {@code atLeast}, longer on a host whose commands are slow. */
    private Duration commandLimit(Duration atLeast) {
        Duration rt = RoundTrip.limit(lease().roundTripMs());
        return rt.compareTo(atLeast) > 0 ? rt : atLeast;
    }

    /**
     * One exec: the host's last_run.json, its heartbeat, and the start ticks of the run's pid if it still runs. The
     * record is parsed here, by {@link LastRun#parse}, never on the host: the exec reads the stat of the pid this side
     * already knows (an earlier answer, or the local mirror), and asks once more when the host's record names another.
     */
    Probe probe() {
        Long hint = knownPid;
        if (hint == null) {
            try {
                hint = LastRun.read(bundle.runtimeDir()).filter(r -> runId.equals(r.runId())).map(LastRun::pid).orElse(null);
            } catch (OrbitException e) {
                hint = null; // an unreadable mirror: the host's record says which pid to look at
            }
        }
        Probe p = probe(hint);
        Long recorded = p.run() == null ? null : p.run().pid();
        if (recorded != null && recorded > 0 && !recorded.equals(hint)) p = probe(recorded);
        if (p.run() != null && runId.equals(p.run().runId()) && p.run().pid() != null) knownPid = p.run().pid();
        return p;
    }

    /** The host's last_run.json alone (one exec, liveness not asked): what the launcher waits for. */
    LastRun recorded() {
        Probe p = probe(knownPid);
        if (p.run() != null && runId.equals(p.run().runId()) && p.run().pid() != null) knownPid = p.run().pid();
        return p.run();
    }

    private Probe probe(Long pid) {
        SshLease l = lease();
        String script = "cd " + RemoteShell.dir(l.remoteDir()) + " || exit 3\n"
                + "cat runtime/last_run.json 2>/dev/null; printf '\\036'\n"
                + "cat runtime/heartbeat 2>/dev/null; printf '\\036'\n"
                + (pid == null || pid <= 0 ? "" : "p=" + pid + "\n"
                + "if s=$(cat /proc/$p/stat 2>/dev/null); then s=${s##*) }; set -- $s; printf '%s' \"${20}\"; fi\n");
        Transport t = transport();
        long t0 = System.nanoTime();
        Transport.Result r = t.run("bash -c " + RemoteShell.quote(script), probeLimit(l));
        long took = (System.nanoTime() - t0) / 1_000_000;
        if (r.exitStatus() == 3) {
            throw new OrbitException("the bundle is gone from " + l.remoteDir() + " on " + l.target() + ": evidence pulled so far is in " + bundle.path());
        }
        String[] parts = r.stdout().split("\u001e", -1);
        LastRun run = null;
        if (parts.length > 0 && !parts[0].isBlank()) {
            try {
                run = LastRun.parse(parts[0].getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                run = null; // caught mid-write on the host: the next probe reads it whole
            }
        }
        String hb = parts.length > 1 && !parts[1].isBlank() ? parts[1].strip() : null;
        String ticks = parts.length > 2 ? parts[2].strip() : "";
        boolean alive = run != null && pid != null && pid.equals(run.pid()) && run.pidStartTicks() != null && run.pidStartTicks().equals(ticks);
        return new Probe(run, hb, alive, took);
    }

    @Override
    public synchronized RunStatus status() {
        LastRun local = LastRun.read(bundle.runtimeDir()).orElse(null);
        Probe p;
        try {
            p = probe();
            lastProbeFailed = false;
        } catch (HostUnreachableException e) {
            lastProbeFailed = true;
            dropTransport();
            return unreachable(local, e);
        }
        Instant now = Instant.now();
        lease().seen(now, p.tookMs()).write(bundle.runtimeDir());
        if (p.run() == null || !runId.equals(p.run().runId())) {
            if (local == null) throw new OrbitException("run " + runId + " has not recorded itself on " + lease().target() + " yet: ask again in a moment");
            return new RunStatus(bundle.name(), local, p.alive(), p.heartbeat());
        }
        LastRun remote = p.run();
        if (!remote.state().terminal() && !p.alive()) {
            if (local != null && local.state() == RunState.LOST && local.reason() != null && !local.reason().startsWith(HOST_LOST)) {
                return new RunStatus(bundle.name(), local, false, p.heartbeat());
            }
            remote = remote.ended(RunState.LOST, now.toString(), null, "process " + remote.pid() + " vanished on " + remote.host()
                    + " in state " + remote.state().wire() + " without finalizing" + (p.heartbeat() == null ? "" : " (last heartbeat " + p.heartbeat() + ")"), p.heartbeat());
        }
        if (!remote.equals(local)) remote.write(bundle.runtimeDir());
        return new RunStatus(bundle.name(), remote, p.alive(), p.heartbeat());
    }

    /** The host did not answer: past the loss window the run is recorded lost, with when the host was last seen. */
    private RunStatus unreachable(LastRun local, HostUnreachableException e) {
        if (local == null) throw e;
        SshLease l = lease();
        Instant seen = l.lastSeenAt().orElse(Instant.parse(local.startedAt() == null ? Instant.now().toString() : local.startedAt()));
        boolean pastWindow = Duration.between(seen, Instant.now()).compareTo(l.lostAfter()) >= 0;
        if (!local.state().terminal() && pastWindow) {
            local = local.ended(RunState.LOST, Instant.now().toString(), null,
                    HOST_LOST + ": " + l.target() + " last seen " + seen + " (no answer for " + l.lostAfter().toSeconds()
                            + " s: " + e.getMessage() + "); evidence pulled until then is in this bundle", null);
            local.write(bundle.runtimeDir());
        }
        return new RunStatus(bundle.name(), local, false, localHeartbeat());
    }

    private String localHeartbeat() {
        try {
            Path hb = bundle.runtimeDir().resolve("heartbeat");
            return Files.isRegularFile(hb) ? Files.readString(hb).strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Pulls runtime/ and artifacts/ now; throws when the host does not answer (what was pulled before stays). */
    public EvidencePull.Report pull() {
        SshLease l = lease();
        try {
            EvidencePull.Report r = new EvidencePull(transport(), bundle.path(), l.remoteDir()).pull();
            lease().seen(Instant.now()).synced(Instant.now()).write(bundle.runtimeDir());
            return r;
        } catch (HostUnreachableException e) {
            dropTransport();
            throw e;
        }
    }

    @Override
    public orbit.launch.Pulled sync() {
        EvidencePull.Report r = pull();
        status();
        return new orbit.launch.Pulled(r.fetched() + r.appended(), r.bytes(), r.toString());
    }

    @Override
    public RunStatus waitFor(Duration timeout) throws InterruptedException {
        SshLease l = lease();
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextSync = System.nanoTime() + l.syncEvery().toNanos();
        long poll = Math.max(200, Math.min(1000, l.heartbeatMs()));
        RunStatus st = status();
        while (!st.state().terminal() && System.nanoTime() < deadline) {
            Thread.sleep(poll);
            if (System.nanoTime() >= nextSync) {
                tryPull();
                nextSync = System.nanoTime() + l.syncEvery().toNanos();
            }
            st = status();
        }
        if (st.state().terminal()) {
            tryPull();
            st = status();
        }
        return st;
    }

    private boolean tryPull() {
        try {
            pull();
            return true;
        } catch (HostUnreachableException e) {
            return false;
        }
    }

    @Override
    public RunStatus cancel(Duration grace) throws InterruptedException {
        RunStatus st = status();
        if (st.state().terminal()) return st;
        LastRun run = st.run();
        long pgid = run.pgid() != null ? run.pgid() : run.pid();
        String how = "SIGTERM";
        transport().run("kill -TERM -- -" + pgid + " 2>/dev/null; true", commandLimit(Duration.ofSeconds(15)));
        if (!groupGone(pgid, grace)) {
            transport().run("kill -KILL -- -" + pgid + " 2>/dev/null; true", commandLimit(Duration.ofSeconds(15)));
            groupGone(pgid, Duration.ofSeconds(10));
            how = "SIGKILL";
        }
        Probe p = probe();
        if (p.run() != null && runId.equals(p.run().runId()) && !p.run().state().terminal()) {
            // launch.sh could not finalize (killed): record cancelled on both sides and write the manifest there
            LastRun cancelled = p.run().ended(RunState.CANCELLED, Instant.now().toString(), how,
                    "cancelled: process group " + pgid + " killed with " + how + " after a grace of " + grace.toSeconds() + "s", p.heartbeat());
            String d = RemoteShell.dir(lease().remoteDir());
            transport().run("cd " + d + " && cat > runtime/.last_run.json.tmp.orbit && mv -f runtime/.last_run.json.tmp.orbit runtime/last_run.json"
                    + " && bash scripts/launch.sh --manifest", cancelled.bytes(), commandLimit(Duration.ofMinutes(2)));
        }
        tryPull();
        return status();
    }

    private boolean groupGone(long pgid, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            if (!transport().run("kill -0 -- -" + pgid + " 2>/dev/null", commandLimit(Duration.ofSeconds(15))).ok()) return true;
            if (System.nanoTime() >= deadline) return false;
            Thread.sleep(200);
        }
    }

    @Override
    public List<String> logs(LogSurface surface, int lines) {
        tryPull();
        Path file = surface.in(bundle);
        return LogTail.lastLines(file, lines);
    }

    @Override
    public void follow(LogSurface surface, PrintWriter out, BooleanSupplier stop) throws InterruptedException {
        Path file = surface.in(bundle);
        long offset = 0;
        while (!stop.getAsBoolean()) {
            tryPull();
            offset = LogTail.copyFrom(file, offset, out);
            RunStatus st = status();
            if (st.state().terminal()) {
                tryPull();
                LogTail.copyFrom(file, offset, out);
                return;
            }
            Thread.sleep(Math.max(500, Math.min(2000, lease().heartbeatMs())));
        }
    }

    @Override
    public void close() {
        dropTransport();
    }
}
