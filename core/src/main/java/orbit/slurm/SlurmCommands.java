package orbit.slurm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * How Slurm's client commands (sbatch, scontrol, scancel) are run: on this machine, or on a login node over SSH.
 * The only thing the Slurm target knows about where the cluster is.
 */
public interface SlurmCommands {
    /** What a command printed and how it ended. */
    record Result(int exitStatus, String stdout, String stderr) {
        public boolean ok() {
            return exitStatus == 0;
        }

        /** The first line a person should read when the command failed. */
        public String why() {
            String s = (stderr.isBlank() ? stdout : stderr).strip();
            return s.isEmpty() ? "exit " + exitStatus : s.lines().findFirst().orElse("");
        }
    }

    /** Runs argv in the bundle's directory (as the cluster sees it), waiting at most {@code limit}. */
    Result run(List<String> argv, Duration limit);

    /** What a person reads as where the commands run ("this machine", "ssh://user@login"). */
    String where();

    /** Slurm's commands on this machine, with {@code env} added to this process's environment (e.g. SLURM_CONF). */
    static SlurmCommands local(Path bundleDir, Map<String, String> env) {
        return new SlurmCommands() {
            @Override
            public Result run(List<String> argv, Duration limit) {
                ProcessBuilder pb = new ProcessBuilder(argv).directory(bundleDir.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                pb.environment().putAll(env);
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    return new Result(127, "", argv.get(0) + " not found on this machine (" + e.getMessage() + "): install Slurm's client commands or launch from a login node with --target slurm+ssh://user@host");
                }
                CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
                CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
                try {
                    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                        return new Result(124, "", String.join(" ", argv) + " did not answer within " + limit.toSeconds() + "s");
                    }
                    return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                    return new Result(130, "", "interrupted");
                }
            }

            @Override
            public String where() {
                return "this machine";
            }
        };
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
