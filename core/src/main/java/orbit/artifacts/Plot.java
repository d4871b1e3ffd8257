package orbit.artifacts;

import orbit.OrbitException;
import orbit.display.MimeBundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A chart rendered to PNG: shows inline in a notebook (image/png, so it survives nbconvert and a GitHub
 * preview without any script or CDN), and can be written to a file.
 */
public record Plot(String title, byte[] png, int width, int height) implements MimeBundle {
    public Path write(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.write(file, png);
            return file;
        } catch (IOException e) {
            throw new OrbitException("cannot write " + file + ": " + e.getMessage() + " (pick a writable path)");
        }
    }

    @Override
    public Map<String, String> mimeBundle() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("text/plain", toString());
        m.put("image/png", Base64.getEncoder().encodeToString(png));
        return m;
    }

    @Override
    public String toString() {
        return "Plot[" + title + ", " + width + "x" + height + " PNG, " + png.length + " bytes]";
    }
}
