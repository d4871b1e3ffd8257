package orbit.upstream;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import orbit.OrbitException;
import orbit.bundle.AtomicFile;
import orbit.bundle.Bundle;
import orbit.bundle.Digests;
import orbit.bundle.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * Where a running bridge is: one small JSON file per bundle and upstream in a private directory of this user
 * (mode 0700, outside the bundle: runtime/ is archived by every launch and pulled from hosts). Written by the
 * bridge once its socket accepts; read by `call` and `stop`, which signal nothing the record names unless that
 * process is alive, started when the record says, and is a bridge for this socket.
 */
@JsonPropertyOrder({"schema_version", "bundle", "name", "socket", "pid", "started_at", "run_id"})
record BridgeRecord(@JsonProperty("schema_version") String schemaVersion,
                    @JsonProperty("bundle") String bundle,
                    @JsonProperty("name") String name,
                    @JsonProperty("socket") String socket,
                    @JsonProperty("pid") long pid,
                    @JsonProperty("started_at") String startedAt,
                    @JsonProperty("run_id") String runId) {
    static final String SCHEMA = "orbit.upstream_bridge.v1";
    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;

    /** This user's private directory for bridge records and default sockets. */
    static Path privateDir() {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "orbit-upstream-" + System.getProperty("user.name"));
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // made by a concurrent call: checked below like any other
                }
            }
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory() || !a.owner().getName().equals(System.getProperty("user.name"))
                    || !PosixFilePermissions.toString(a.permissions()).equals("rwx------")) {
                throw new OrbitException(dir + " is not a private directory of " + System.getProperty("user.name")
                        + " (mode 0700): remove it, or pass --socket with a path in a directory only you can write");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + dir, e);
        }
    }

    /** A short key for a bundle and upstream: the bundle's path may be long, the socket path may not. */
    static String key(Bundle bundle, String name) {
        String digest = Digests.sha256(bundle.path().toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
        return digest.substring(0, 12) + "-" + name;
    }

    static Path file(Bundle bundle, String name) {
        return privateDir().resolve(key(bundle, name) + ".json");
    }

    static Path defaultSocket(Bundle bundle, String name) {
        return privateDir().resolve(key(bundle, name) + ".sock");
    }

    static Path log(Bundle bundle, String name) {
        return privateDir().resolve(key(bundle, name) + ".log");
    }

    static Optional<BridgeRecord> read(Bundle bundle, String name) {
        Path f = file(bundle, name);
        if (!Files.isRegularFile(f)) return Optional.empty();
        try {
            return Optional.of(Json.MAPPER.readValue(f.toFile(), BridgeRecord.class));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    void write(Bundle bundle) {
        AtomicFile.writeJson(file(bundle, name), this);
    }

    /** The bridge process this record names, only if it is alive, started when recorded and serves this socket. */
    Optional<ProcessHandle> live() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> {
            ProcessHandle.Info info = h.info();
            boolean started = info.startInstant().map(i -> i.toString().equals(startedAt)).orElse(false);
            List<String> args = commandLine(h.pid());
            return started && args.contains(BridgeMain.class.getName()) && args.contains(socket);
        });
    }

    /** From /proc: ProcessHandle.Info#arguments is empty for a command line as long as a JVM's class path. */
    private static List<String> commandLine(long pid) {
        try {
            return List.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The one line a socket path that is too long or inside runtime/ becomes, or null. */
    static String badSocket(Bundle bundle, Path socket) {
        int bytes = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH) {
            return "socket path " + socket + " is " + bytes + " bytes, more than a Unix socket allows (" + MAX_SOCKET_PATH + "): pass a shorter --socket";
        }
        Path abs = socket.toAbsolutePath().normalize();
        if (abs.startsWith(bundle.runtimeDir().toAbsolutePath().normalize())) {
            return "socket path " + socket + " is inside the bundle's runtime/, which launches archive and pulls copy: put it elsewhere";
        }
        return null;
    }
}
