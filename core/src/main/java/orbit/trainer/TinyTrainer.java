package orbit.trainer;

import orbit.bundle.AtomicFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The shipped dependency-free Python trainer (tiny_trainer.py): SGD on a small linear model, writing
 * ms-swift style logging.jsonl and checkpoint-N/ dirs. For demos and tests; no GPU needed.
 */
public final class TinyTrainer {
    public static final String FILE_NAME = "tiny_trainer.py";
    private static final String RESOURCE = "/orbit/trainer/" + FILE_NAME;

    private TinyTrainer() {}

    /** Writes tiny_trainer.py into {@code dir} (created if needed) and returns its path. */
    public static Path writeTo(Path dir) {
        try (InputStream in = TinyTrainer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing classpath resource " + RESOURCE);
            Files.createDirectories(dir);
            Path file = dir.resolve(FILE_NAME);
            AtomicFile.write(file, in.readAllBytes());
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException e) {
                // run it as `python3 tiny_trainer.py`
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + FILE_NAME + " into " + dir, e);
        }
    }
}
