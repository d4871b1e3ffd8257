package orbit.nvml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The STAND-IN libnvidia-ml.so.1 for this test JVM, built once with gcc. JNA binds NVML once per process,
 * so every test class shares this one library and scripts it before opening NVML.
 */
final class StandIn {
    private static Path library;

    private StandIn() {}

    static synchronized Path library() {
        if (library == null) {
            try {
                Path dir = Files.createTempDirectory("orbit-nvml-standin-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
                library = StandInNvml.build(StandInNvml.locateSource(), dir);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return library;
    }

    /** Scripts the stand-in and opens NVML through the real JNA path. */
    static Nvml open(String script) {
        Path lib = library();
        StandInNvml.script(lib, script);
        NvmlProbe probe = Nvml.open(lib.toString());
        if (probe instanceof NvmlProbe.Found f) return f.nvml();
        throw new AssertionError("stand-in NVML did not open: " + ((NvmlProbe.NotFound) probe).reason());
    }

    static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp files only
        }
    }
}
