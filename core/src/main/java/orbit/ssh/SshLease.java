package orbit.ssh;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * runtime/ssh.json: how this bundle's run is reached on its host, written by the control side. A new
 * process (CLI after a kernel restart, the sync watcher) reattaches from it alone: the target, the remote
 * directory, the key and known_hosts file, the cadence of syncs and the loss window, how long the host's
 * small commands take ({@link RoundTrip}), and when the host last answered.
 */
@JsonPropertyOrder({"schema_version", "target", "remote_dir", "identity", "known_hosts", "host_key", "trusted_on_first_use",
        "heartbeat_ms", "sync_every_ms", "lost_after_ms", "round_trip_ms", "last_seen", "last_sync", "watcher_pid"})
public record SshLease(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("target") String target,
        @JsonProperty("remote_dir") String remoteDir,
        @JsonProperty("identity") String identity,
        @JsonProperty("known_hosts") String knownHosts,
        @JsonProperty("host_key") String hostKey,
        @JsonProperty("trusted_on_first_use") Boolean trustedOnFirstUse,
        @JsonProperty("heartbeat_ms") long heartbeatMs,
        @JsonProperty("sync_every_ms") long syncEveryMs,
        @JsonProperty("lost_after_ms") long lostAfterMs,
        @JsonProperty("round_trip_ms") Long roundTripMs,
        @JsonProperty("last_seen") String lastSeen,
        @JsonProperty("last_sync") String lastSync,
        @JsonProperty("watcher_pid") Long watcherPid) {
    public static final String SCHEMA = "orbit.ssh.v1";
    public static final String FILE = "ssh.json";

    public static Optional<SshLease> read(Path runtimeDir) {
        Path f = runtimeDir.resolve(FILE);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(f), SshLease.class));
        } catch (IOException e) {
            throw new OrbitException("runtime/" + FILE + " is unreadable (" + e.getMessage().lines().findFirst().orElse("")
                    + "): relaunch with `orbit launch NAME --target ssh://...`");
        }
    }

    public void write(Path runtimeDir) {
        AtomicFile.writeJson(runtimeDir.resolve(FILE), this);
    }

    public SshAddress address() {
        return SshAddress.parse(target);
    }

    /**
     * Key, known_hosts and keepalive. Connecting is bounded by the loss window, not by the round trip: the
     * handshake involves sshd alone, the slow part of a slow host (its login shell) starts only with a command.
     */
    public SshOptions options() {
        Duration hb = Duration.ofMillis(heartbeatMs);
        Duration connect = Duration.ofMillis(Math.max(2000, Math.min(15000, lostAfterMs / 3)));
        return new SshOptions(identity == null ? null : Path.of(identity), knownHosts == null ? null : Path.of(knownHosts),
                hb.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(1) : Duration.ofSeconds(5), 3, connect);
    }

    public Duration syncEvery() {
        return Duration.ofMillis(syncEveryMs);
    }

    public Duration lostAfter() {
        return Duration.ofMillis(lostAfterMs);
    }

    public Duration heartbeat() {
        return Duration.ofMillis(heartbeatMs);
    }

    public Optional<Instant> lastSeenAt() {
        return Optional.ofNullable(lastSeen).map(Instant::parse);
    }

    public SshLease seen(Instant at) {
        return new SshLease(schemaVersion, target, remoteDir, identity, knownHosts, hostKey, trustedOnFirstUse, heartbeatMs,
                syncEveryMs, lostAfterMs, roundTripMs, at.toString(), lastSync, watcherPid);
    }

    /** The host answered at {@code at}; a small command took {@code tookMs} (folded into the round-trip estimate). */
    public SshLease seen(Instant at, long tookMs) {
        return new SshLease(schemaVersion, target, remoteDir, identity, knownHosts, hostKey, trustedOnFirstUse, heartbeatMs,
                syncEveryMs, lostAfterMs, RoundTrip.fold(roundTripMs, tookMs), at.toString(), lastSync, watcherPid);
    }

    public SshLease synced(Instant at) {
        return new SshLease(schemaVersion, target, remoteDir, identity, knownHosts, hostKey, trustedOnFirstUse, heartbeatMs,
                syncEveryMs, lostAfterMs, roundTripMs, lastSeen, at.toString(), watcherPid);
    }

    public SshLease watchedBy(Long pid) {
        return new SshLease(schemaVersion, target, remoteDir, identity, knownHosts, hostKey, trustedOnFirstUse, heartbeatMs,
                syncEveryMs, lostAfterMs, roundTripMs, lastSeen, lastSync, pid);
    }
}
