package orbit.bundle;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads job.json strictly: malformed JSON, a duplicate key, a key the declared schema version does not know, and every
 * invalid field become one-line errors naming the field and the fix.
 */
public final class JobSpecReader {
    /** Only for reading job.json: a duplicate key or anything after the top-level object is an error, not last-one-wins. */
    private static final ObjectReader STRICT = Json.MAPPER.reader() // a reader of the one mapper: no second mapper to build
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
            tree = STRICT.readTree(bytes);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String duplicate = duplicateField(e);
            if (duplicate != null) {
                throw new OrbitException("job.json: " + duplicate + ": duplicate field at line " + (loc == null ? "?" : loc.getLineNr())
                        + ": keep only one");
            }
            throw new OrbitException("job.json: malformed JSON at line " + (loc == null ? "?" : loc.getLineNr())
                    + ", column " + (loc == null ? "?" : loc.getColumnNr()) + ": " + e.getOriginalMessage()
                    + ": fix the file or recreate it with `orbit bundle new`");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new OrbitException("job.json: the file is empty: recreate it with `orbit bundle new`");
        }
        JobFields.check(tree);
        JobSpecValidator.checkTree(tree);
        try {
            JobSpec spec = Json.MAPPER.treeToValue(tree, JobSpec.class);
            JobSpecValidator.check(spec);
            return spec;
        } catch (JsonProcessingException e) {
            throw new OrbitException("job.json: " + e.getOriginalMessage() + ": fix the field or recreate the bundle");
        }
    }

    /** The dotted path of the key a STRICT_DUPLICATE_DETECTION failure names, or null for any other error. */
    private static String duplicateField(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        if (!(e instanceof StreamReadException sre) || msg == null || !msg.startsWith("Duplicate Object property \"")
                && !msg.startsWith("Duplicate field '")) {
            return null;
        }
        String key = msg.startsWith("Duplicate field '")
                ? msg.substring("Duplicate field '".length(), msg.lastIndexOf('\''))
                : msg.substring("Duplicate Object property \"".length(), msg.lastIndexOf('"'));
        StringBuilder path = new StringBuilder();
        JsonParser p = sre.getProcessor();
        if (p != null) {
            // the context is the object holding the duplicate; its parents give the rest of the path
            List<String> parts = new java.util.ArrayList<>();
            for (JsonStreamContext c = p.getParsingContext().getParent(); c != null && !c.inRoot(); c = c.getParent()) {
                if (c.inObject() && c.getCurrentName() != null) parts.add(0, c.getCurrentName());
                else if (c.inArray()) parts.add(0, "[" + c.getCurrentIndex() + "]");
            }
            for (String part : parts) {
                if (!part.startsWith("[") && path.length() > 0) path.append('.');
                path.append(part);
            }
        }
        return (path.length() > 0 ? path + "." : "") + key;
    }
}
