package orbit.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads job.json: malformed JSON and every invalid field become one-line errors naming the field and the fix. */
public final class JobSpecReader {
    private JobSpecReader() {}

    public static JobSpec read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return parse(bytes);
    }

    public static JobSpec parse(byte[] bytes) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new OrbitException("job.json: malformed JSON at line " + (loc == null ? "?" : loc.getLineNr())
                    + ", column " + (loc == null ? "?" : loc.getColumnNr()) + ": " + e.getOriginalMessage()
                    + ": fix the file or recreate it with `orbit bundle new`");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        JobSpecValidator.checkTree(tree);
        try {
            JobSpec spec = Json.MAPPER.treeToValue(tree, JobSpec.class);
            JobSpecValidator.check(spec);
            return spec;
        } catch (JsonProcessingException e) {
            throw new OrbitException("job.json: " + e.getOriginalMessage() + ": fix the field or recreate the bundle");
        }
    }
}
