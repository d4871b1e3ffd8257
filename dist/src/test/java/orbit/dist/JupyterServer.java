package orbit.dist;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A Jupyter web server (Classic Notebook, JupyterLab, Notebook 7) on a free loopback port with its own token, up
 * once /api/status answers; closing stops it by the handle of the process started here.
 */
final class JupyterServer implements AutoCloseable {
    final String base;
    final String token;
    final Path log;
    private final Process process;

    private JupyterServer(String base, String token, Path log, Process process) {
        this.base = base;
        this.token = token;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code command} followed by the port and token options; {@code tokenOption} is the option that
     * takes the token ("--NotebookApp.token" or "--ServerApp.token").
     */
    static JupyterServer start(List<String> command, String tokenOption, Map<String, String> env, Path log)
            throws IOException, InterruptedException {
        int port = freePort();
        String token = UUID.randomUUID().toString().replace("-", "");
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of("--allow-root", "--no-browser", "--ip=127.0.0.1", "--port=" + port, "--port-retries=0",
                tokenOption + "=" + token));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        JupyterServer server = new JupyterServer("http://127.0.0.1:" + port, token, log, pb.start());
        try {
            server.awaitUp(TimeUnit.SECONDS.toNanos(60));
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitUp(long timeoutNanos) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(base + "/api/status?token=" + token).toURL().openConnection();
                c.setConnectTimeout(2000);
                c.setReadTimeout(5000);
                if (c.getResponseCode() == 200) return;
            } catch (IOException notYet) {
                // the server is still starting
            }
            if (!process.isAlive()) throw new AssertionError("the Jupyter server exited: " + Files.readString(log));
            if (System.nanoTime() > deadline) throw new AssertionError("the Jupyter server did not start: " + Files.readString(log));
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: the server shuts its kernels down before it exits
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
