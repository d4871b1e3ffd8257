package orbit.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks job.json files against the published orbit.job.v1 JSON Schema with an independent validator: Debian's
 * python3-jsonschema (installed by install/system-deps --tests), so the schema and ORBIT cannot agree by sharing code.
 */
public final class JobSchemaCheck {
    public static final String RESOURCE = "/orbit/schemas/orbit.job.v1.schema.json";

    private static final String SCRIPT = String.join("\n",
            "import json, sys",
            "try:",
            "    import jsonschema",
            "except ImportError:",
            "    print('python3-jsonschema is missing: run install/system-deps --tests'); sys.exit(3)",
            "schema = json.load(open(sys.argv[1], encoding='utf-8'))",
            "jsonschema.Draft7Validator.check_schema(schema)",
            "v = jsonschema.Draft7Validator(schema)",
            "want_valid = sys.argv[2] == 'valid'",
            "wrong = []",
            "for f in sys.argv[3:]:",
            "    errors = sorted(v.iter_errors(json.load(open(f, encoding='utf-8'))), key=lambda e: list(e.absolute_path).__repr__())",
            "    if want_valid == bool(errors):",
            "        wrong.append(f + ': ' + ('/'.join(map(str, errors[0].absolute_path)) + ': ' + errors[0].message if errors else 'accepted'))",
            "print('\\n'.join(wrong) if wrong else 'ok %d' % (len(sys.argv) - 3))",
            "sys.exit(1 if wrong else 0)",
            "");

    /** Debian's interpreter, where Debian's packages are, as the kernel's protocol tests use it. */
    private static final String PYTHON = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    private JobSchemaCheck() {}

    /** Every file validates against the schema. */
    public static void assertValid(List<Path> jobFiles) {
        run("valid", jobFiles);
    }

    /** No file validates against the schema. */
    public static void assertInvalid(List<Path> jobFiles) {
        run("invalid", jobFiles);
    }

    private static void run(String expect, List<Path> jobFiles) {
        assertTrue(!jobFiles.isEmpty(), "no files to check");
        try {
            Path dir = Files.createTempDirectory("orbit-schema-check");
            try {
                Path schema = dir.resolve("orbit.job.v1.schema.json");
                try (InputStream in = JobSchemaCheck.class.getResourceAsStream(RESOURCE)) {
                    assertTrue(in != null, RESOURCE + " is not on the class path");
                    Files.copy(in, schema);
                }
                List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", SCRIPT, schema.toString(), expect));
                jobFiles.forEach(f -> cmd.add(f.toString()));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 jsonschema did not finish");
                assertEquals("ok " + jobFiles.size(), out, "expected every file " + expect + " under " + RESOURCE);
            } finally {
                try (var s = Files.walk(dir)) {
                    for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
