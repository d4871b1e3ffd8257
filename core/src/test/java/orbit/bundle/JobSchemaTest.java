package orbit.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The published orbit.job.v1 JSON Schema: in step with the strict reader, and valid for every job.json ORBIT writes. */
class JobSchemaTest {
    static final String VALID = """
            {"schema_version": "orbit.job.v1", "name": "demo",
             "resources": {"gpus": 8, "nodes": 2, "gpus_per_node": 4, "tasks_per_node": 4, "memory": "64G", "max_runtime": "1h30m"},
             "entrypoint": {"argv": ["python3", "inputs/train.py"], "workdir": ".", "env": {"SEED": "1"}, "secret_env": ["HF_TOKEN"]},
             "python": "python3", "critical_deps": ["torch", "swift"],
             "upstream": [{"name": "env", "source": "https://example.org/env.git", "commit": "0123456789abcdef0123456789abcdef01234567",
                           "command": ["python3", "-m", "env.serve"]}]}
            """;

    @TempDir
    Path tmp;

    @Test
    void theSchemaHasTheReadersFieldsAndNoOthers() throws IOException {
        JsonNode schema;
        try (InputStream in = getClass().getResourceAsStream(JobSchemaCheck.RESOURCE)) {
            schema = Json.MAPPER.readTree(in);
        }
        assertEquals("http://json-schema.org/draft-07/schema#", schema.get("$schema").asText());
        compare(schema, JobFields.V1, "");
    }

    /** Same keys and required keys at every level, and additionalProperties false on every object with fields. */
    private static void compare(JsonNode schema, JobFields.Shape shape, String path) {
        if (shape instanceof JobFields.Obj o) {
            assertEquals(false, schema.path("additionalProperties").asBoolean(true), path + ": additionalProperties");
            List<String> keys = new ArrayList<>();
            schema.get("properties").fieldNames().forEachRemaining(keys::add);
            assertEquals(new TreeSet<>(o.fields().keySet()), new TreeSet<>(keys), path + ": fields");
            List<String> required = new ArrayList<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            assertEquals(new TreeSet<>(o.required()), new TreeSet<>(required), path + ": required");
            for (Map.Entry<String, JobFields.Shape> f : o.fields().entrySet()) {
                compare(schema.get("properties").get(f.getKey()), f.getValue(), path + "." + f.getKey());
            }
        } else if (shape instanceof JobFields.ListOf l) {
            assertTrue(schema.get("type").toString().contains("array"), path);
            compare(schema.get("items"), l.item(), path + "[]");
        } else if (shape instanceof JobFields.MapOf m) {
            assertTrue(schema.get("type").toString().contains("object"), path);
            compare(schema.get("additionalProperties"), m.value(), path + ".*");
        } else if (shape instanceof JobFields.Whole) {
            assertTrue(schema.get("type").toString().contains("integer"), path);
        } else if (!path.equals(".schema_version")) {
            assertTrue(schema.get("type").toString().contains("string"), path);
        }
    }

    @Test
    void everyJobJsonOrbitWritesValidates() throws IOException {
        BundleRoot root = new BundleRoot(tmp.resolve("bundles"));
        List<Path> written = new ArrayList<>();
        Bundle full = root.create(JobSpec.builder("full", List.of("python3", "inputs/train.py", "--lr", "3e-4"))
                .gpuType("h100").nodes(2).gpusPerNode(4).tasksPerNode(4).cpus(32).memory("64G").disk("200G").maxRuntime("1h30m")
                .workdir("inputs").env("SEED", "1").env("PYTHONPATH", "inputs/forks/ms-swift").secretEnv("HF_TOKEN")
                .python("python3.11").criticalDep("torch").criticalDep("swift").fork("swift", "forks/ms-swift")
                .upstream("env", "https://example.org/env.git", " 0123456789ABCDEF0123456789abcdef01234567\n",
                        List.of("python3", "-m", "env.serve"))
                .upstream("tools", "../tools", "fedcba9876543210fedcba9876543210fedcba98")
                .build());
        written.add(full.jobFile());
        written.add(root.create(JobSpec.builder("minimal", List.of("true")).build()).jobFile());
        written.add(root.create(new JobSpec(JobSpec.SCHEMA, "nulls", null,
                new JobSpec.Entrypoint(List.of("bash", "-c", "exit 0"), null, null, null), null, null, null, null, null, null)).jobFile());
        // as the launch and SSH tests build theirs: the canonical constructor with every part given
        written.add(root.create(new JobSpec(JobSpec.SCHEMA, "as-tests-do", JobSpec.Resources.none(),
                new JobSpec.Entrypoint(List.of("python3", "inputs/tiny_trainer.py", "--steps", "3"), ".", Map.of("PLAIN", "visible"),
                        List.of("DEMO_TEST_TOKEN")), "python3", List.of("json"), new JobSpec.Fork("mypkg", "fork"), List.of(),
                "2026-01-01T00:00:00Z", "test")).jobFile());
        Bundle changed = root.create(JobSpec.builder("changed", List.of("true")).build())
                .withJob(JobSpec.builder("changed", List.of("sleep", "1")).gpus(2).build());
        written.add(changed.jobFile());
        Path archive = tmp.resolve("full.tar.gz");
        BundleArchive.export(full, archive);
        written.add(BundleArchive.importArchive(archive, root, "imported").bundle().jobFile());
        Path fixture = tmp.resolve("fixture.json");
        Files.writeString(fixture, VALID);
        written.add(fixture);

        for (Path f : written) JobSpecReader.read(f); // ORBIT reads back what it wrote
        assertEquals("0123456789abcdef0123456789abcdef01234567", full.job().upstream().get(0).commit(), "trimmed and lower-cased");
        JobSchemaCheck.assertValid(written);
    }

    @Test
    void whatTheSchemaCanExpressBothRefuse() throws IOException {
        List<String> bad = List.of(
                VALID.replace("\"gpus\": 8", "\"gpu\": 8"),
                VALID.replace("\"name\": \"demo\",", "\"name\": \"demo\", \"tpu\": 1,"),
                VALID.replace("\"SEED\"", "\"ORBIT_BUNDLE\""),
                VALID.replace("[\"HF_TOKEN\"]", "[\"ORBIT_RUN_ID\"]"),
                VALID.replace("\"inputs/train.py\"", "\"inputs/train.py\\u0000\""),
                VALID.replace("\"tasks_per_node\": 4", "\"tasks_per_node\": 0"),
                VALID.replace("\"1h30m\"", "\"1h1h\""),
                VALID.replace("\"1h30m\"", "\"30m1h\""),
                VALID.replace("\"64G\"", "\"64Q\""),
                VALID.replace("\"64G\"", "\"-1G\""),
                VALID.replace("0123456789abcdef0123456789abcdef01234567", "0123456789ABCDEF0123456789ABCDEF01234567"),
                VALID.replace("[\"python3\", \"-m\", \"env.serve\"]", "[]"),
                VALID.replace("\"command\"", "\"cmd\""),
                VALID.replace("\"workdir\": \".\"", "\"workdir\": \"/tmp\""),
                VALID.replace("\"gpus\": 8", "\"gpus\": 1.5"),
                VALID.replace("\"gpus\": 8", "\"gpus\": 99999999999"),
                VALID.replace("\"orbit.job.v1\"", "\"orbit.job.v9\""),
                VALID.replace("[\"python3\", \"inputs/train.py\"]", "[]"));
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < bad.size(); i++) {
            assertTrue(!bad.get(i).equals(VALID), "case " + i + " changes the fixture");
            byte[] bytes = bad.get(i).getBytes(StandardCharsets.UTF_8);
            int n = i;
            String msg = assertThrows(OrbitException.class, () -> JobSpecReader.parse(bytes), "case " + n).getMessage();
            assertEquals(1, msg.lines().count(), msg);
            Path f = tmp.resolve("bad-" + i + ".json");
            Files.write(f, bytes);
            files.add(f);
        }
        JobSchemaCheck.assertInvalid(files);
    }
}
