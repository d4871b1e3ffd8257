package orbit.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The one seam to a remote host: run a command with its stdin and stdout as streams. Pushing and
 * pulling files ({@link BundleShip}, {@link EvidencePull}) are built on it as tar and byte streams over
 * exec channels, which is several times faster than SFTP with the library behind it.
 * Nothing outside the implementation knows which SSH library that is.
 */
public interface Transport extends AutoCloseable {
    /** Writes a command's stdin; the stream is closed (EOF) when it returns. */
    @FunctionalInterface
    interface StdinWriter {
        void write(OutputStream stdin) throws IOException;
    }

    /** Reads a command's stdout while it runs. */
    @FunctionalInterface
    interface StdoutReader {
        void read(InputStream stdout) throws IOException;
    }

    /** Outcome of a small command whose output fits in memory. */
    record Result(int exitStatus, String stdout, String stderr) {
        public boolean ok() {
            return exitStatus == 0;
        }
    }

    /**
     * Opens a connection to a host: the real one logs in over SSH ({@link SshjTransport#connect}); tests use
     * a host made of local processes, so the remote logic (ship, pull, watch, reattach) runs without an sshd.
     */
    @FunctionalInterface
    interface Connector {
        Connector SSH = SshjTransport::connect;

        Transport connect(SshAddress address, SshOptions options);
    }

    SshAddress address();

    /**
     * Runs {@code command} through the remote user's shell. Returns its exit status (-1 when it ended by a signal).
     * Throws {@link HostUnreachableException} when the host stops answering or {@code timeout} passes.
     */
    int exec(String command, StdinWriter stdin, StdoutReader stdout, OutputStream stderr, Duration timeout);

    /** A second, independent connection to the same host, for transfers in parallel. */
    Transport another();

    /** False once the connection died (keepalives unanswered, host closed it). */
    boolean isConnected();

    @Override
    void close();

    default Result run(String command, byte[] stdin, Duration timeout) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = exec(command, stdin == null ? null : os -> os.write(stdin), in -> in.transferTo(out), err, timeout);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    default Result run(String command, Duration timeout) {
        return run(command, null, timeout);
    }
}
