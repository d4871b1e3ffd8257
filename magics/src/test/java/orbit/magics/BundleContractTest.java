package orbit.magics;

import orbit.bundle.JobSchemaCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `bundle new` and `bundle validate` hold the job.json contract: bad input is one line and writes nothing. */
class BundleContractTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    private Result orbit(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--root", tmp.resolve("bundles").toString()));
        all.addAll(Arrays.asList(args));
        int code = Commands.run(new TerminalConsole(new PrintWriter(out, true), new PrintWriter(err, true)), all);
        return new Result(code, out.toString(), err.toString());
    }

    private void refusedInOneLine(String expected, String... args) {
        Result r = orbit(args);
        assertEquals(Commands.FAILED, r.code(), r.out() + r.err());
        assertEquals("orbit: error: " + expected + "\n", r.err());
        assertFalse(Files.exists(tmp.resolve("bundles/demo")), "nothing written");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--memory|9999999999999999999G|job.json: resources.memory = \"9999999999999999999G\": too large: at most 8388607T",
            "--memory|18446744073709551616|job.json: resources.memory = \"18446744073709551616\": too large: at most 8388607T",
            "--memory|9223372036854775807K|job.json: resources.memory = \"9223372036854775807K\": too large: at most 8388607T",
            "--memory|0.0000001K|job.json: resources.memory = \"0.0000001K\": less than one byte: give a size of 1 byte or more, e.g. 64G",
            "--disk|1e9G|job.json: resources.disk = \"1e9G\": not a size: write a number with a unit, e.g. 64G or 512M",
            "--max-runtime|0s|job.json: resources.max_runtime = \"0s\": must be more than 0, e.g. 2h",
            "--max-runtime|1h1h|job.json: resources.max_runtime = \"1h1h\": not one duration: give each unit once, largest first, e.g. 1h30m",
            "--max-runtime|9999999999999999999h|job.json: resources.max_runtime = \"9999999999999999999h\": too long: at most 3650d",
            "--env|ORBIT_BUNDLE=/etc|job.json: entrypoint.env = \"ORBIT_BUNDLE\": names starting with ORBIT_ are set by ORBIT for the job (ORBIT_BUNDLE, ORBIT_ARTIFACTS, ORBIT_RUN_ID): choose another name",
            "--env|ORBIT_ARTIFACTS=/tmp|job.json: entrypoint.env = \"ORBIT_ARTIFACTS\": names starting with ORBIT_ are set by ORBIT for the job (ORBIT_BUNDLE, ORBIT_ARTIFACTS, ORBIT_RUN_ID): choose another name",
            "--secret-env|ORBIT_RUN_ID|job.json: entrypoint.secret_env = \"ORBIT_RUN_ID\": names starting with ORBIT_ are set by ORBIT for the job (ORBIT_BUNDLE, ORBIT_ARTIFACTS, ORBIT_RUN_ID): choose another name",
            "--tasks-per-node|0|job.json: resources.tasks_per_node = 0: must be 1 or more",
            "--upstream|env=https://example.org/env.git@abc123|job.json: upstream[0].commit = \"abc123\": must be an exact 40-character lowercase hex git commit, not a branch, tag or short hash",
    })
    void eachBadOptionIsOneLineNamingTheFieldAndWritesNothing(String option, String value, String expected) {
        refusedInOneLine(expected, "bundle", "new", "demo", option, value, "--", "python3", "inputs/train.py");
    }

    @Test
    void countsMustAgree() {
        refusedInOneLine("job.json: resources.gpus = 8: does not match nodes × gpus_per_node = 2 × 3 = 6: give the GPUs in all, or leave --gpus out",
                "bundle", "new", "demo", "--gpus", "8", "--nodes", "2", "--gpus-per-node", "3", "--", "true");
        Result ok = orbit("bundle", "new", "demo", "--nodes", "2", "--gpus-per-node", "3", "--", "true");
        assertEquals(Commands.OK, ok.code(), ok.err());
        assertEquals(6, orbit.bundle.Bundle.open(tmp.resolve("bundles/demo")).job().resources().gpus(), "gpus follow from the counts");
    }

    @Test
    void nulBytesAreRefusedAtNew() {
        refusedInOneLine("job.json: entrypoint.argv[1] = \"inputs/train.py\\0--evil\": contains a NUL byte, which no program can receive: remove it",
                "bundle", "new", "demo", "--", "python3", "inputs/train.py\0--evil");
        refusedInOneLine("job.json: entrypoint.env.SEED = \"1\\0\": contains a NUL byte, which no program can receive: remove it",
                "bundle", "new", "demo", "--env", "SEED=1\0", "--", "true");
    }

    @Test
    void aHandEditedJobJsonWithANulByteIsRefusedByValidateAndLaunchLeavesNothing() throws Exception {
        assertEquals(Commands.OK, orbit("bundle", "new", "demo", "--", "true").code());
        Path job = tmp.resolve("bundles/demo/job.json");
        Files.writeString(job, Files.readString(job).replace("\"true\"", "\"true\\u0000\""));
        String expected = "orbit: error: job.json: entrypoint.argv[0] = \"true\\0\": contains a NUL byte, which no program can receive: remove it\n";
        assertEquals(expected, orbit("bundle", "validate", "demo").err());
        Result launch = orbit("launch", "demo");
        assertEquals(Commands.FAILED, launch.code());
        assertEquals(expected, launch.err());
        try (var s = Files.list(tmp.resolve("bundles/demo/scripts"))) {
            assertEquals(List.of(), s.toList(), "no lock and no scripts left behind");
        }
    }

    @Test
    void unknownAndDuplicateKeysInJobJsonAreOneLine() throws Exception {
        assertEquals(Commands.OK, orbit("bundle", "new", "demo", "--gpus", "8", "--", "true").code());
        Path job = tmp.resolve("bundles/demo/job.json");
        String written = Files.readString(job);
        Files.writeString(job, written.replace("\"gpus\" : 8", "\"gpu\" : 8"));
        assertEquals("orbit: error: job.json: resources.gpu: unknown field; did you mean resources.gpus?\n", orbit("bundle", "validate", "demo").err());
        Files.writeString(job, written.replace("\"gpus\" : 8", "\"gpus\" : 8, \"gpus\" : 0"));
        Result dup = orbit("bundle", "validate", "demo");
        assertTrue(dup.err().matches("orbit: error: job\\.json: resources\\.gpus: duplicate field at line \\d+: keep only one\n"), dup.err());
    }

    @Test
    void everyOptionWritesAJobJsonTheSchemaAccepts() {
        Result r = orbit("bundle", "new", "demo", "--gpus", "16", "--gpu-type", "h100", "--nodes", "2", "--gpus-per-node", "8",
                "--tasks-per-node", "8", "--cpus", "64", "--memory", "512G", "--disk", "2T", "--max-runtime", "1h30m",
                "--workdir", "inputs", "--env", "SEED=1", "--env", "PYTHONPATH=forks/ms-swift", "--secret-env", "HF_TOKEN",
                "--critical-dep", "torch", "--critical-dep", "swift", "--python", "python3.11", "--fork", "swift=forks/ms-swift",
                "--upstream", "env=https://example.org/env.git@ 0123456789ABCDEF0123456789ABCDEF01234567 ",
                "--upstream", "tools=git@example.org:tools.git@fedcba9876543210fedcba9876543210fedcba98",
                "--", "torchrun", "--nproc-per-node", "8", "train.py", "--lr", "3e-4");
        assertEquals(Commands.OK, r.code(), r.err());
        Path job = tmp.resolve("bundles/demo/job.json");
        orbit.bundle.JobSpec spec = orbit.bundle.Bundle.open(job.getParent()).job();
        assertEquals("0123456789abcdef0123456789abcdef01234567", spec.upstream().get(0).commit(), "trimmed and lower-cased");
        assertEquals("git@example.org:tools.git", spec.upstream().get(1).source());
        assertEquals(8, spec.resources().tasksPerNode());
        assertEquals(Commands.OK, orbit("bundle", "new", "plain", "--", "true").code());
        JobSchemaCheck.assertValid(List.of(job, tmp.resolve("bundles/plain/job.json")));
    }

    @Test
    void theFirstJobAUserTypesIsRefusedWithWhereToStageAndTheFixWorks() throws Exception {
        refusedInOneLine("job.json: entrypoint.argv[1] = \"train.py\": the job runs in the bundle's top directory, and staged files are"
                        + " under inputs/: write inputs/train.py and stage it with `orbit bundle stage demo train.py`",
                "bundle", "new", "demo", "--entrypoint", "python3 train.py");
        refusedInOneLine("job.json: entrypoint.argv[0] = \"./run.sh\": the job runs in the bundle's top directory, and staged files are"
                        + " under inputs/: write inputs/run.sh and stage it with `orbit bundle stage demo run.sh`",
                "bundle", "new", "demo", "--", "./run.sh");

        assertEquals(Commands.OK, orbit("bundle", "new", "demo", "--entrypoint", "python3 inputs/train.py --lr 3e-4").code());
        assertEquals("orbit: error: job.json: entrypoint.argv[1] = \"inputs/train.py\": not staged: stage it with"
                + " `orbit bundle stage demo train.py --as train.py`\n", orbit("bundle", "validate", "demo").err());
        assertEquals("orbit: error: job.json: entrypoint.argv[1] = \"inputs/train.py\": not staged: stage it with"
                + " `orbit bundle stage demo train.py --as train.py`\n", orbit("launch", "demo").err());
        Path script = Files.writeString(tmp.resolve("train.py"), "print('hello')\n");
        assertEquals(Commands.OK, orbit("bundle", "stage", "demo", script.toString()).code());
        Result valid = orbit("bundle", "validate", "demo");
        assertEquals(Commands.OK, valid.code(), valid.err());

        // a job.json written by hand (or an older ORBIT) that names the script from the top directory
        Path job = tmp.resolve("bundles/demo/job.json");
        Files.writeString(job, Files.readString(job).replace("\"inputs/train.py\"", "\"train.py\""));
        assertEquals("orbit: error: job.json: entrypoint.argv[1] = \"train.py\": not found: the job runs in the bundle's top directory,"
                + " and train.py was staged as inputs/train.py: write inputs/train.py in entrypoint.argv\n", orbit("bundle", "validate", "demo").err());

        // --workdir inputs runs the job next to its staged files
        assertEquals(Commands.OK, orbit("bundle", "new", "nextto", "--workdir", "inputs", "--entrypoint", "python3 train.py").code());
        assertEquals(Commands.OK, orbit("bundle", "stage", "nextto", script.toString()).code());
        assertEquals(Commands.OK, orbit("bundle", "validate", "nextto").code());
    }
}
