package orbit.launch;

import orbit.bundle.Bundle;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where one run's files are: the bundle's live runtime/ and artifacts/ while it is the newest run, or
 * runtime/runs/RUN_ID/ and artifacts/runs/RUN_ID/ once a later launch has archived them there.
 */
public record RunFiles(Bundle bundle, String runId) {
    /** runtime/ of this run: the live one, or runtime/runs/RUN_ID/ once a later launch archived it. */
    public Path runtimeDir() {
        Path archived = bundle.runtimeDir().resolve("runs").resolve(runId);
        return Files.isDirectory(archived) ? archived : bundle.runtimeDir();
    }

    public boolean archived() {
        return !runtimeDir().equals(bundle.runtimeDir());
    }

    /** The file of {@code surface} for this run, where it is now. */
    public Path surface(RunHandle.LogSurface surface) {
        Path live = surface.in(bundle);
        if (!archived()) return live;
        Path area = surface.relative().startsWith("runtime/") ? bundle.runtimeDir() : bundle.artifactsDir();
        return area.resolve("runs").resolve(runId).resolve(live.getFileName());
    }
}
