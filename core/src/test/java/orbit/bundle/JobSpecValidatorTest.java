package orbit.bundle;

import orbit.OrbitException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JobSpecValidatorTest {
    private static final String VALID = """
            {"schema_version": "orbit.job.v1", "name": "demo",
             "resources": {"gpus": 1, "nodes": 1, "memory": "64G", "max_runtime": "2h"},
             "entrypoint": {"argv": ["python3", "train.py"], "env": {"SEED": "1"}, "secret_env": ["HF_TOKEN"]},
             "python": "python3", "critical_deps": ["torch", "swift"],
             "upstream": [{"name": "env", "source": "https://example.org/env.git", "commit": "0123456789abcdef0123456789abcdef01234567"}]}
            """;

    private static String error(String json) {
        return assertThrows(OrbitException.class, () -> JobSpecReader.parse(json.getBytes(StandardCharsets.UTF_8))).getMessage();
    }

    private static String with(String from, String to) {
        String s = VALID.replace(from, to);
        if (s.equals(VALID)) throw new IllegalArgumentException("fixture did not change: " + from);
        return s;
    }

    @Test
    void aValidSpecParses() {
        JobSpec spec = JobSpecReader.parse(VALID.getBytes(StandardCharsets.UTF_8));
        assertEquals("demo", spec.name());
        assertEquals(1, spec.resources().gpus());
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        String msg = error("{\n  \"name\": \"demo\",\n  oops\n}");
        assertEquals(true, msg.startsWith("job.json: malformed JSON at line 3, column 3"), msg);
        assertEquals(true, msg.endsWith("fix the file or recreate it with `orbit bundle new`"), msg);
    }

    @Test
    void unknownSchemaVersion() {
        assertEquals("job.json: schema_version = \"orbit.job.v9\": unknown schema; this ORBIT reads \"orbit.job.v1\"",
                error(with("orbit.job.v1", "orbit.job.v9")));
    }

    @Test
    void emptyEntrypoint() {
        assertEquals("job.json: entrypoint.argv = []: give the command to run, e.g. --entrypoint \"python3 train.py\"",
                error(with("[\"python3\", \"train.py\"]", "[]")));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"gpus\": 1|\"gpus\": -1|job.json: resources.gpus = -1: must be 0 or more",
            "\"gpus\": 1|\"gpus\": 1.5|job.json: resources.gpus = 1.5: must be a whole number",
            "\"gpus\": 1|\"gpus\": \"two\"|job.json: resources.gpus = \"two\": must be a whole number",
            "\"nodes\": 1|\"nodes\": 0|job.json: resources.nodes = 0: must be 1 or more",
            "\"nodes\": 1|\"nodes\": 1, \"cpus\": -4|job.json: resources.cpus = -4: must be 0 or more",
            "\"64G\"|\"64Q\"|job.json: resources.memory = \"64Q\": unknown unit \"Q\": use K, M, G or T (e.g. 64G)",
            "\"2h\"|\"2x\"|job.json: resources.max_runtime = \"2x\": unknown duration unit \"x\": use ms, s, m, h or d (e.g. 2h, 90m)",
            "\"2h\"|\"2\"|job.json: resources.max_runtime = \"2\": missing unit: use s, m, h or d (e.g. 2h, 90m)",
    })
    void resourceRules(String from, String to, String expected) {
        assertEquals(expected, error(with(from, to)));
    }

    @Test
    void nameWithAPathSeparator() {
        assertEquals("job.json: name = \"../evil\": must not contain a path separator: use a plain name like demo-1",
                error(with("\"name\": \"demo\"", "\"name\": \"../evil\"")));
    }

    @Test
    void inlineSecretInEnvIsRefusedWithTheFix() {
        assertEquals("job.json: entrypoint.env.HF_TOKEN looks like a secret and must not be written into the bundle:"
                        + " remove its value and use --secret-env HF_TOKEN (read from the launcher's environment at launch)",
                error(with("{\"SEED\": \"1\"}", "{\"SEED\": \"1\", \"HF_TOKEN\": \"hf_abc\"}")));
        assertThrows(OrbitException.class, () -> JobSpecReader.parse(with("{\"SEED\": \"1\"}", "{\"WANDB_API_KEY\": \"x\"}").getBytes()));
        assertThrows(OrbitException.class, () -> JobSpecReader.parse(with("{\"SEED\": \"1\"}", "{\"DB_PASSWORD\": \"x\"}").getBytes()));
    }

    @Test
    void plainEnvNamesThatMerelyContainKeyLettersPass() {
        JobSpecReader.parse(with("{\"SEED\": \"1\"}", "{\"MONKEY_PATCH\": \"1\", \"PYTHONHASHSEED\": \"0\", \"KEYBOARD\": \"us\"}").getBytes());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "abc123",
            "main",
            "0123456789ABCDEF0123456789ABCDEF01234567",
            "0123456789abcdef0123456789abcdef012345678",
    })
    void upstreamCommitMustBeExactly40LowercaseHex(String commit) {
        assertEquals("job.json: upstream[0].commit = \"" + commit
                        + "\": must be an exact 40-character lowercase hex git commit, not a branch, tag or short hash",
                error(with("0123456789abcdef0123456789abcdef01234567", commit)));
    }

    @Test
    void upstreamCommandIsAnOptionalListOfStringsAndNamesAreUnique() throws Exception {
        String pin = "\"name\": \"env\", \"source\": \"https://example.org/env.git\", \"commit\": \"0123456789abcdef0123456789abcdef01234567\"";
        JobSpec spec = JobSpecReader.parse(with(pin, pin + ", \"command\": [\"python3\", \"serve.py\"]").getBytes());
        assertEquals(List.of("python3", "serve.py"), spec.upstream().get(0).command());
        assertEquals("job.json: upstream[0].command = []: give the command to run, or leave it out",
                error(with(pin, pin + ", \"command\": []")));
        assertEquals("job.json: upstream[1].name = \"env\": is already used by upstream[0]: names must be unique in a bundle",
                error(with("{" + pin + "}]", "{" + pin + "}, {" + pin + "}]")));
        assertEquals("job.json: upstream[0].name = \"a/b\": use letters, digits, '.', '_' and '-', starting with a letter or digit",
                error(with("\"name\": \"env\"", "\"name\": \"a/b\"")));
    }

    @Test
    void forkPathEscapingInputsIsRefused() {
        assertEquals("job.json: fork.path = \"../../etc\": must be a relative path inside inputs/ where the fork is staged",
                error(with("\"python\": \"python3\"", "\"python\": \"python3\", \"fork\": {\"module\": \"swift\", \"path\": \"../../etc\"}")));
    }

    @Test
    void workdirEscapingTheBundleIsRefused() {
        assertEquals("job.json: entrypoint.workdir = \"/tmp\": must be a relative path inside the bundle",
                error(with("\"argv\": [", "\"workdir\": \"/tmp\", \"argv\": [")));
    }
}
