package orbit.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Text files shipped on the classpath (script templates, the precheck, the trainer). */
public final class Resources {
    private Resources() {}

    public static String text(String absoluteName) {
        try (InputStream in = Resources.class.getResourceAsStream(absoluteName)) {
            if (in == null) throw new IllegalStateException("missing classpath resource " + absoluteName);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + absoluteName, e);
        }
    }
}
