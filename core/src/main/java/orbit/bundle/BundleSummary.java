package orbit.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * One line of `orbit bundle list`: read from the bundle's files alone (job.json and runtime/last_run.json),
 * so every process sees the same truth. {@code problem} is set when job.json does not validate.
 */
public record BundleSummary(String name, Path path, String createdAt, String lastRunState, long sizeBytes, String problem) {

    /** @param lastRunState the state a bundle's runtime/ records, null when it never ran */
    public static BundleSummary of(Path dir, java.util.function.Function<Path, String> lastRunState) {
        String name = dir.getFileName().toString();
        String created = null;
        String problem = null;
        try {
            JobSpec spec = Bundle.open(dir).job();
            name = spec.name();
            created = spec.createdAt();
        } catch (RuntimeException e) {
            problem = e.getMessage();
        }
        return new BundleSummary(name, dir, created, lastRunState.apply(dir.resolve("runtime")), sizeOf(dir), problem);
    }

    static long sizeOf(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        }
    }

    /** "1.2 GiB" style, for listings. */
    public static String humanSize(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
