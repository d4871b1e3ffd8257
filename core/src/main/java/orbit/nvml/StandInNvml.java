package orbit.nvml;

import orbit.OrbitException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Builds the STAND-IN {@code libnvidia-ml.so.1} (not NVIDIA's library) from {@code core/src/test/c/nvml-standin.c}
 * with gcc, for the tests and for the benchmark on machines without a GPU. Its values come from
 * {@code nvml-standin.txt} beside the built library, re-read at every nvmlInit.
 */
public final class StandInNvml {
    public static final String SOURCE = "nvml-standin.c";
    public static final String SCRIPT = "nvml-standin.txt";

    private StandInNvml() {}

    /** The C source in this source tree, looked up from the working directory (repository root or core/). */
    public static Path locateSource() {
        for (Path p : List.of(Path.of("core/src/test/c", SOURCE), Path.of("src/test/c", SOURCE))) {
            if (Files.isRegularFile(p)) return p.toAbsolutePath();
        }
        throw new OrbitException("cannot find the stand-in source core/src/test/c/" + SOURCE + "; run from the source tree");
    }

    /** Compiles the stand-in into {@code dir}/libnvidia-ml.so.1 and returns that path. */
    public static Path build(Path source, Path dir) {
        return build(source, dir, false);
    }

    /**
     * As {@link #build(Path, Path)}; with {@code minimal} the library exports only the calls ORBIT requires plus
     * memory and utilization, as a driver without the optional calls would.
     */
    public static Path build(Path source, Path dir, boolean minimal) {
        Path lib = dir.resolve("libnvidia-ml.so.1");
        try {
            Files.createDirectories(dir);
            List<String> cmd = new java.util.ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-O2", "-Wl,-soname,libnvidia-ml.so.1"));
            if (minimal) cmd.add("-DSTANDIN_MINIMAL");
            cmd.addAll(List.of("-o", lib.toString(), source.toString(), "-ldl"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new OrbitException("gcc took over 120 s building the NVML stand-in");
            }
            if (p.exitValue() != 0) throw new OrbitException("gcc failed building the NVML stand-in: " + out.strip());
            return lib;
        } catch (IOException e) {
            throw new OrbitException("cannot run gcc to build the NVML stand-in (" + e.getMessage() + "); install gcc");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrbitException("interrupted while building the NVML stand-in");
        }
    }

    /** Writes the script the stand-in reads at its next nvmlInit. */
    public static void script(Path library, String text) {
        try {
            Files.writeString(library.resolveSibling(SCRIPT), text);
        } catch (IOException e) {
            throw new OrbitException("cannot write the NVML stand-in script: " + e.getMessage());
        }
    }
}
