package orbit.ssh;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Json;
import orbit.launch.LastRun;
import orbit.launch.LaunchOptions;
import orbit.launch.RunHandle;
import orbit.launch.ScriptGenerator;
import orbit.launch.ShellQuote;
import orbit.launch.Target;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Runs a bundle on a rented host over SSH: ship the bundle by content, start launch.sh detached
 * (setsid nohup, so it survives disconnects and the control side), record where it runs in runtime/ssh.json
 * and runtime/last_run.json, and start a local sync watcher that pulls runtime/ and artifacts/ back every
 * --sync-every, notices host loss and reattaches when the host answers again.
 */
public final class SshTarget implements Target {
    /** Remote-only file that takes what the detached start prints before launch.sh redirects its own output. */
    static final String DETACH_LOG = ".orbit-launch.out";

    /**
     * Launch settings beyond {@link LaunchOptions}.
     *
     * @param ssh           key and known_hosts
     * @param remoteDir     where the bundle lives on the host; null: ~/orbit/bundles/NAME
     * @param syncEvery     pull cadence while the run lives
     * @param lostAfter     no answer for this long → lost; null: three heartbeat intervals
     * @param trustNewHost  trust an unknown host key on first use, recording it in the bundle (runtime/known_hosts unless --known-hosts)
     * @param watch         start the local sync watcher process
     * @param secrets       where secret_env values come from (the control side's environment)
     * @param progress      shipping progress
     */
    public record Settings(SshOptions ssh, String remoteDir, Duration syncEvery, Duration lostAfter, boolean trustNewHost,
                           boolean watch, UnaryOperator<String> secrets, Consumer<BundleShip.Progress> progress) {
        public Settings {
            ssh = ssh == null ? SshOptions.defaults() : ssh;
            syncEvery = syncEvery == null ? Duration.ofSeconds(30) : syncEvery;
            secrets = secrets == null ? System::getenv : secrets;
            progress = progress == null ? p -> {} : progress;
        }

        public static Settings defaults() {
            return new Settings(null, null, null, null, false, true, null, null);
        }
    }

    private final SshAddress address;
    private final Settings settings;
    private final Transport.Connector connector;

    public SshTarget(SshAddress address, Settings settings) {
        this(address, settings, Transport.Connector.SSH);
    }

    private SshTarget(SshAddress address, Settings settings, Transport.Connector connector) {
        this.address = address;
        this.settings = settings;
        this.connector = connector;
    }

    /** The same target reached through another connector (a host made of local processes, in tests). */
    public SshTarget via(Transport.Connector other) {
        return new SshTarget(address, settings, other);
    }

    /** From a --target or last_run.json "target" string: ssh://user@host[:port]. */
    public static SshTarget parse(String spec) {
        return new SshTarget(SshAddress.parse(spec), Settings.defaults());
    }

    @Override
    public String spec() {
        return address.toString();
    }

    /**
     * Connects (trusting a new host key on first use when asked), ships the bundle, records runtime/ssh.json and
     * starts launch.sh detached. The launcher has locked the bundle, refused a live run, archived the previous one
     * and generated scripts/.
     */
    @Override
    public Started start(Bundle b, String runId, LaunchOptions opts) {
        Map<String, String> secretValues = secretValues(b);
        SshOptions ssh = settings.ssh();
        String tofu = null;
        if (settings.trustNewHost() && ssh.knownHosts() == null) ssh = ssh.withKnownHosts(b.runtimeDir().resolve("known_hosts"));
        Transport t;
        try {
            t = connector.connect(address, ssh);
        } catch (OrbitException e) {
            if (!settings.trustNewHost() || e instanceof HostUnreachableException || e.getMessage().contains("CHANGED")) throw e;
            PublicKey key = SshjTransport.scanHostKey(address, ssh);
            HostKeys.record(ssh.knownHostsFile(), address, key);
            tofu = HostKeys.fingerprint(key);
            t = connector.connect(address, ssh);
        }
        String remoteDir = settings.remoteDir() != null ? settings.remoteDir() : BundleShip.defaultRemoteDir(b.name());
        SshRunHandle handle;
        try {
            BundleShip ship = new BundleShip(t, b.path(), remoteDir).onProgress(settings.progress());
            if (connector == Transport.Connector.SSH) OpenSshTransport.ifAvailable(address, ssh).ifPresent(ship::bulkVia);
            ship.push();
            Duration lostAfter = settings.lostAfter() != null ? settings.lostAfter() : opts.heartbeat().multipliedBy(3);
            SshLease lease = new SshLease(SshLease.SCHEMA, spec(), remoteDir,
                    ssh.identity() == null ? null : ssh.identity().toAbsolutePath().toString(),
                    ssh.knownHostsFile().toAbsolutePath().toString(), tofu, tofu != null ? Boolean.TRUE : null,
                    opts.heartbeat().toMillis(), settings.syncEvery().toMillis(), lostAfter.toMillis(), null,
                    Instant.now().toString(), null, null);
            lease.write(b.runtimeDir());
            long t0 = System.nanoTime();
            start(t, b, remoteDir, runId, secretValues);
            // the start is one small command: the first measure of how long this host's commands take
            lease.seen(Instant.now(), (System.nanoTime() - t0) / 1_000_000).write(b.runtimeDir());
            handle = new SshRunHandle(b, runId, t, connector);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        Transport transport = t;
        return new Started() {
            @Override
            public Optional<LastRun> recorded() {
                try {
                    return Optional.ofNullable(handle.recorded());
                } catch (HostUnreachableException e) {
                    return Optional.empty();
                }
            }

            @Override
            public String diagnosis() {
                return transport.run("cd " + RemoteShell.dir(remoteDir) + " && tail -n 5 " + DETACH_LOG + " runtime/launch.out 2>/dev/null",
                        Duration.ofSeconds(10)).stdout().strip().replace('\n', ' ');
            }

            @Override
            public RunHandle confirm() {
                handle.status(); // mirrors the host's last_run.json here
                if (settings.watch() && connector == Transport.Connector.SSH) SyncWatcher.spawn(b);
                return handle;
            }

            @Override
            public void abandon() {
                transport.close();
            }
        };
    }

    @Override
    public Optional<RunHandle> attach(Bundle bundle) {
        if (LastRun.read(bundle.runtimeDir()).isEmpty() || SshLease.read(bundle.runtimeDir()).isEmpty()) return Optional.empty();
        SshRunHandle h = SshRunHandle.attach(bundle, connector);
        LastRun last = LastRun.read(bundle.runtimeDir()).orElseThrow();
        boolean hostLost = last.reason() != null && last.reason().startsWith(SshRunHandle.HOST_LOST);
        if (settings.watch() && connector == Transport.Connector.SSH && (!last.state().terminal() || hostLost)) SyncWatcher.spawn(bundle);
        return Optional.of(h);
    }

    /** The latest run without starting a watcher (the launcher only asks whether it is over). */
    @Override
    public Optional<RunHandle> observe(Bundle bundle) {
        if (LastRun.read(bundle.runtimeDir()).isEmpty() || SshLease.read(bundle.runtimeDir()).isEmpty()) return Optional.empty();
        return Optional.of(SshRunHandle.attach(bundle, connector));
    }

    /** The pull record and the connection state stay where they are when a run is archived. */
    @Override
    public Set<String> controlFiles() {
        return EvidencePull.CONTROL_FILES;
    }

    private Map<String, String> secretValues(Bundle b) {
        Map<String, String> values = new TreeMap<>();
        for (String name : b.job().entrypoint().secretEnv()) {
            ShellQuote.name(name, "job.json: entrypoint.secret_env entry");
            String v = settings.secrets().apply(name);
            if (v == null) throw new OrbitException("secret " + name + " (job.json secret_env) is not set in this environment: export it, then launch again");
            if (v.indexOf('\0') >= 0) throw new OrbitException("secret " + name + " contains a NUL byte, which no program can receive");
            values.put(name, v);
        }
        return values;
    }

    /** The pull record follows the files the launcher moved into runs/PREV_ID, so they are not fetched again. */
    @Override
    public void archived(Bundle b, String previousRunId, Map<String, String> moved) {
        Path pullState = b.runtimeDir().resolve(EvidencePull.STATE_FILE);
        if (!Files.isRegularFile(pullState) || moved.isEmpty()) return;
        try {
            EvidencePull.PullState st = Json.MAPPER.readValue(pullState.toFile(), EvidencePull.PullState.class);
            Map<String, String> next = new TreeMap<>();
            st.mtimes().forEach((k, v) -> {
                String key = k;
                for (Map.Entry<String, String> m : moved.entrySet()) {
                    if (k.equals(m.getKey()) || k.startsWith(m.getKey() + "/")) key = m.getValue() + k.substring(m.getKey().length());
                }
                next.put(key, v);
            });
            orbit.bundle.AtomicFile.writeJson(pullState, new EvidencePull.PullState(st.remote(), next));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update runtime/" + EvidencePull.STATE_FILE + " after archiving run " + previousRunId, e);
        }
    }

    /**
     * Starts launch.sh detached. Secret values travel only on the exec channel's stdin, as NUL-separated
     * NAME=VALUE records read by the remote shell into its environment; the command line names no value
     * and nothing is written to a file. `;` (not `&&`) before the background job, or the channel stays open.
     */
    private static void start(Transport t, Bundle b, String remoteDir, String runId, Map<String, String> secrets) {
        StringBuilder script = new StringBuilder("cd " + RemoteShell.dir(remoteDir) + " || exit 1\n");
        if (!secrets.isEmpty()) {
            script.append("while IFS= read -r -d '' kv; do\n  case ${kv%%=*} in\n    ")
                    .append(String.join("|", secrets.keySet()))
                    .append(") export \"$kv\" ;;\n  esac\ndone\n");
        }
        script.append("ORBIT_RUN_ID=").append(RemoteShell.quote(runId)).append(" setsid nohup bash scripts/").append(ScriptGenerator.LAUNCH).append(" >").append(DETACH_LOG)
                .append(" 2>&1 </dev/null & echo $!\n");
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : secrets.entrySet()) {
            stdin.writeBytes((e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8));
            stdin.write(0);
        }
        Transport.Result r = t.run("bash -c " + RemoteShell.quote(script.toString()), stdin.toByteArray(), Duration.ofSeconds(60));
        if (!r.ok() || r.stdout().isBlank()) {
            throw new OrbitException("could not start scripts/launch.sh of " + b.name() + " on " + t.address() + " (exit " + r.exitStatus()
                    + (r.stderr().isBlank() ? "" : ": " + r.stderr().strip()) + "): check that bash exists there and " + remoteDir + " is writable");
        }
    }
}
