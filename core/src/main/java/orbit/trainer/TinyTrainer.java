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

    /** One command-line flag of tiny_trainer.py, as its argparse declares it. */
    public record Flag(String name, String metavar, String defaultValue, String help) {}

    private static final java.util.regex.Pattern ARG = java.util.regex.Pattern.compile("p\\.add_argument\\(\"(--[\\w-]+)\"(.*)\\)\\s*$");
    private static final java.util.regex.Pattern METAVAR = java.util.regex.Pattern.compile("metavar=\"([^\"]*)\"");
    private static final java.util.regex.Pattern DEFAULT = java.util.regex.Pattern.compile("default=([^,)]+)");
    private static final java.util.regex.Pattern HELP = java.util.regex.Pattern.compile("help=\"([^\"]*)\"");

    /** The trainer's flags, read from its own argparse lines: the help of `orbit example tiny-trainer` never drifts from it. */
    public static java.util.List<Flag> flags() {
        try (InputStream in = TinyTrainer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing classpath resource " + RESOURCE);
            java.util.List<Flag> out = new java.util.ArrayList<>();
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().toList()) {
                java.util.regex.Matcher m = ARG.matcher(line.strip());
                if (!m.matches()) continue;
                String rest = m.group(2);
                out.add(new Flag(m.group(1), find(METAVAR, rest), find(DEFAULT, rest), find(HELP, rest)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    private static String find(java.util.regex.Pattern p, String s) {
        java.util.regex.Matcher m = p.matcher(s);
        return m.find() ? m.group(1).strip() : null;
    }
}
