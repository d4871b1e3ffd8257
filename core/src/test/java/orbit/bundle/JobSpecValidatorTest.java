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
        assertEquals("job.json: upstream[0].command = []: give the argv that runs it, e.g. [\"python3\", \"-m\", \"env.serve\"], or leave it out",
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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"gpus\": 1|\"gpu\": 1|job.json: resources.gpu: unknown field; did you mean resources.gpus?",
            "\"nodes\": 1|\"nodes\": 1, \"gpus_per_nod\": 1|job.json: resources.gpus_per_nod: unknown field; did you mean resources.gpus_per_node?",
            "\"python\": \"python3\"|\"pyhton\": \"python3\"|job.json: pyhton: unknown field; did you mean python?",
            "\"env\": {|\"envs\": {|job.json: entrypoint.envs: unknown field; did you mean entrypoint.env?",
            "\"commit\"|\"comit\"|job.json: upstream[0].comit: unknown field; did you mean upstream[0].commit?",
            "\"nodes\": 1|\"nodes\": 1, \"quantum_bits\": 4|job.json: resources.quantum_bits: unknown field; the fields here are gpus, gpu_type, nodes, gpus_per_node, tasks_per_node, cpus, memory, disk, max_runtime",
    })
    void unknownKeysAreRefusedWithTheNearestKnownKey(String from, String to, String expected) {
        assertEquals(expected, error(with(from, to)));
    }

    @Test
    void duplicateKeysAreRefusedNotLastOneWins() {
        assertEquals("job.json: resources.gpus: duplicate field at line 2: keep only one",
                error(with("\"gpus\": 1,", "\"gpus\": 1, \"gpus\": 8,")));
        assertEquals("job.json: upstream[0].name: duplicate field at line 5: keep only one",
                error(with("[{\"name\": \"env\",", "[{\"name\": \"env\", \"name\": \"other\",")));
        assertEquals("job.json: name: duplicate field at line 1: keep only one",
                error(with("\"name\": \"demo\",", "\"name\": \"demo\", \"name\": \"evil\",")));
    }

    @Test
    void anythingAfterTheObjectIsMalformed() {
        String msg = error(VALID + "{}");
        assertEquals(true, msg.startsWith("job.json: malformed JSON at line "), msg);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"64G\"|\"9999999999999999999G\"|job.json: resources.memory = \"9999999999999999999G\": too large: at most 8388607T",
            "\"64G\"|\"18446744073709551616\"|job.json: resources.memory = \"18446744073709551616\": too large: at most 8388607T",
            "\"64G\"|\"9223372036854775807K\"|job.json: resources.memory = \"9223372036854775807K\": too large: at most 8388607T",
            "\"64G\"|\"0.0000001K\"|job.json: resources.memory = \"0.0000001K\": less than one byte: give a size of 1 byte or more, e.g. 64G",
            "\"2h\"|\"0s\"|job.json: resources.max_runtime = \"0s\": must be more than 0, e.g. 2h",
            "\"2h\"|\"1h1h\"|job.json: resources.max_runtime = \"1h1h\": not one duration: give each unit once, largest first, e.g. 1h30m",
            "\"2h\"|\"9999999999999999999h\"|job.json: resources.max_runtime = \"9999999999999999999h\": too long: at most 3650d",
            "\"nodes\": 1|\"nodes\": 2, \"gpus_per_node\": 3|job.json: resources.gpus = 1: does not match nodes × gpus_per_node = 2 × 3 = 6: give the GPUs in all, or leave --gpus out",
            "\"nodes\": 1|\"nodes\": 1, \"tasks_per_node\": 0|job.json: resources.tasks_per_node = 0: must be 1 or more",
            "\"nodes\": 1|\"nodes\": 1, \"tasks_per_node\": 99999999999|job.json: resources.tasks_per_node = 99999999999: is too large",
    })
    void quantitiesAndCountsAreCheckedBeforeUse(String from, String to, String expected) {
        assertEquals(expected, error(with(from, to)));
    }

    @Test
    void countsThatAgreeAndNewFieldsAreRead() {
        JobSpec spec = JobSpecReader.parse(with("\"nodes\": 1", "\"gpus\": 8, \"nodes\": 2, \"gpus_per_node\": 4, \"tasks_per_node\": 4")
                .replace("\"gpus\": 1, ", "")
                .replace("\"commit\": \"0123456789abcdef0123456789abcdef01234567\"",
                        "\"commit\": \"0123456789abcdef0123456789abcdef01234567\", \"command\": [\"python3\", \"-m\", \"env.serve\"]")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(4, spec.resources().tasksPerNode());
        assertEquals(java.util.List.of("python3", "-m", "env.serve"), spec.upstream().get(0).command());
        assertEquals(1, JobSpecReader.parse(VALID.getBytes(StandardCharsets.UTF_8)).resources().tasksPerNode(), "default 1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"SEED\": \"1\"}|{\"ORBIT_BUNDLE\": \"/etc\"}|job.json: entrypoint.env = \"ORBIT_BUNDLE\": names starting with ORBIT_ are set by ORBIT for the job (ORBIT_BUNDLE, ORBIT_ARTIFACTS, ORBIT_RUN_ID): choose another name",
            "[\"HF_TOKEN\"]|[\"ORBIT_ARTIFACTS\"]|job.json: entrypoint.secret_env = \"ORBIT_ARTIFACTS\": names starting with ORBIT_ are set by ORBIT for the job (ORBIT_BUNDLE, ORBIT_ARTIFACTS, ORBIT_RUN_ID): choose another name",
            "\"train.py\"]|\"train.py\\u0000--evil\"]|job.json: entrypoint.argv[1] = \"train.py\\0--evil\": contains a NUL byte, which no program can receive: remove it",
            "{\"SEED\": \"1\"}|{\"SEED\": \"1\\u0000\"}|job.json: entrypoint.env.SEED = \"1\\0\": contains a NUL byte, which no program can receive: remove it",
            "\"commit\"|\"command\": [], \"commit\"|job.json: upstream[0].command = []: give the argv that runs it, e.g. [\"python3\", \"-m\", \"env.serve\"], or leave it out",
            "\"commit\"|\"command\": [\"a\", null], \"commit\"|job.json: upstream[0].command[1] = null: must not be null",
            "\"commit\"|\"command\": \"serve\", \"commit\"|job.json: upstream[0].command = \"serve\": must be a list",
            "{\"SEED\": \"1\"}|{\"SEED\": 1}|job.json: entrypoint.env.SEED = 1: must be a string",
    })
    void namesOrbitSetsAndNulBytesAreRefused(String from, String to, String expected) {
        assertEquals(expected, error(with(from, to)));
    }
}
