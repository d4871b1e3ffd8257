package orbit.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;

/** Every rule a job.json must satisfy, each failing with `job.json: FIELD = VALUE: what to do`. */
public final class JobSpecValidator {
    private JobSpecValidator() {}

    /** Checks on the raw tree: types and schema version, before binding. */
    static void checkTree(JsonNode tree) {
        if (!tree.isObject()) {
            throw new OrbitException("job.json: top level must be a JSON object: recreate it with `orbit bundle new`");
        }
        JsonNode schema = tree.get("schema_version");
        if (schema == null || !JobSpec.SCHEMA.equals(schema.asText())) {
            throw new OrbitException("job.json: schema_version = " + schema + ": must be \"" + JobSpec.SCHEMA + "\"");
        }
    }

    /** Checks on the bound spec. */
    public static void check(JobSpec spec) {
        if (spec.entrypoint() == null || spec.entrypoint().argv().isEmpty()) {
            throw new OrbitException("job.json: entrypoint.argv = []: give the command to run, e.g. --entrypoint \"python3 train.py\"");
        }
    }
}
