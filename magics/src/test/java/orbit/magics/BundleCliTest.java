package orbit.magics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The `orbit` CLI through its real entry point: a separate JVM running {@link Main}, its exit code and its output. */
class BundleCliTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    Result orbit(String... args) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "--root", tmp.resolve("bundles").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void newThenValidateSucceedsAndMakesTheFiveParts() throws Exception {
        Result created = orbit("bundle", "new", "demo", "--entrypoint", "python3 inputs/train.py --lr 3e-4", "--gpus", "1");
        assertEquals(0, created.code(), created.err());
        assertTrue(created.out().startsWith("created bundle demo at "), created.out());
        Files.writeString(tmp.resolve("train.py"), "print('hello')\n");
        assertEquals(0, orbit("bundle", "stage", "demo", "train.py").code());
        Result valid = orbit("bundle", "validate", "demo");
        assertEquals(0, valid.code(), valid.err());
        assertTrue(valid.out().startsWith("ok: bundle demo is valid"), valid.out());
        try (Stream<Path> top = Files.list(tmp.resolve("bundles/demo"))) {
            assertEquals(List.of("artifacts", "inputs", "job.json", "runtime", "scripts"),
                    top.map(p -> p.getFileName().toString()).sorted().toList());
        }
        String job = Files.readString(tmp.resolve("bundles/demo/job.json"));
        assertTrue(job.contains("\"argv\" : [ \"python3\", \"inputs/train.py\", \"--lr\", \"3e-4\" ]"), job);
    }

    @Test
    void badInputIsOneLineExitOneAndWritesNothing() throws Exception {
        Result r = orbit("bundle", "new", "demo", "--gpus", "-1", "--", "python3", "x.py");
        assertEquals(1, r.code());
        assertEquals("orbit: error: job.json: resources.gpus = -1: must be 0 or more\n", r.err());
        assertFalse(Files.exists(tmp.resolve("bundles/demo")));

        Result secret = orbit("bundle", "new", "demo", "--env", "HF_TOKEN=hf_secret", "--", "python3", "x.py");
        assertEquals(1, secret.code());
        assertTrue(secret.err().contains("use --secret-env HF_TOKEN"), secret.err());
        assertEquals(1, secret.err().lines().count());
        assertFalse(Files.exists(tmp.resolve("bundles/demo")));

        Result mem = orbit("bundle", "new", "demo", "--memory", "64Q", "--", "python3", "x.py");
        assertEquals("orbit: error: job.json: resources.memory = \"64Q\": unknown unit \"Q\": use K, M, G or T (e.g. 64G)\n", mem.err());
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Result r = orbit("bundle", "new", "demo", "--gpus", "many");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("orbit: Invalid value for option '--gpus'"), r.err());
        assertEquals(2, orbit("bundle", "frobnicate").code());
    }

    @Test
    void stageShowListAndReplace() throws Exception {
        assertEquals(0, orbit("bundle", "new", "demo", "--", "python3", "inputs/train.py").code());
        Path cfg = Files.writeString(tmp.resolve("config.yaml"), "lr: 3e-4\n");
        Result staged = orbit("bundle", "stage", "demo", cfg.toString(), "--as", "configs/train.yaml");
        assertEquals("staged: inputs/configs/train.yaml (1 file, 9 B)\n", staged.out());
        assertEquals("unchanged (already staged): inputs/configs/train.yaml (1 file, 9 B)\n",
                orbit("bundle", "stage", "demo", cfg.toString(), "--as", "configs/train.yaml").out());
        Files.writeString(cfg, "lr: 1e-3\n");
        Result refused = orbit("bundle", "stage", "demo", cfg.toString(), "--as", "configs/train.yaml");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("pass --replace"), refused.err());
        Result escape = orbit("bundle", "stage", "demo", cfg.toString(), "--as", "../../x");
        assertEquals("orbit: error: stage: --as ../../x escapes inputs/: use a relative path inside the bundle's inputs/\n", escape.err());

        Result show = orbit("bundle", "show", "demo");
        assertTrue(show.out().contains("inputs   1 files"), show.out());
        assertTrue(show.out().contains("last run never launched"), show.out());
        Result json = orbit("bundle", "show", "demo", "--json");
        assertTrue(json.out().contains("\"configs/train.yaml\""), json.out());
        Result list = orbit("bundle", "list");
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("demo ")), list.out());
    }

    /** The examples `bundle new --help` shows, run as a user would type them, next to a train.py. */
    @Test
    void helpExamplesRunAsWritten() throws Exception {
        Result help = orbit("bundle", "new", "--help");
        List<String> examples = help.out().lines().map(String::strip).filter(l -> l.startsWith("orbit ")).toList();
        assertTrue(examples.size() >= 3, help.out());
        Files.writeString(tmp.resolve("train.py"), "print('hello')\n");
        for (String example : examples) {
            List<String> args = new ArrayList<>(CellTokenizer.split(example.substring("orbit ".length())));
            Result r = orbit(args.toArray(String[]::new));
            assertEquals(0, r.code(), example + ": " + r.err());
        }
        assertEquals(0, orbit("bundle", "validate", "demo").code());
    }

    @Test
    void validateReportsAMissingBundleAndATamperedInput() throws Exception {
        Result missing = orbit("bundle", "validate", "ghost");
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("orbit: error: no bundle named ghost under "), missing.err());

        assertEquals(0, orbit("bundle", "new", "demo", "--", "true").code());
        Files.writeString(tmp.resolve("bundles/demo/inputs/stray.txt"), "x");
        Result r = orbit("bundle", "validate", "demo");
        assertEquals(1, r.code());
        assertEquals("orbit: error: bundle demo: inputs/stray.txt: not in the index: stage it with `orbit bundle stage`\n", r.err());
    }

    @Test
    void malformedJobJsonIsOneLine() throws Exception {
        assertEquals(0, orbit("bundle", "new", "demo", "--", "true").code());
        Files.writeString(tmp.resolve("bundles/demo/job.json"), "{\"schema_version\": ");
        Result r = orbit("bundle", "show", "demo");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("orbit: error: job.json: malformed JSON at line 1"), r.err());
        assertEquals(1, r.err().lines().count());
    }
}
