package orbit.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import orbit.OrbitException;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every rule a job.json must satisfy. Each failure is one line: `job.json: FIELD = VALUE: what to do`.
 * Checked before anything is written, so a bad spec never changes the disk.
 */
public final class JobSpecValidator {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern MODULE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    /** Variable names whose value is a credential: these belong in secret_env, by name only. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i)(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|PASS|PWD|KEY|APIKEY|CREDENTIALS?|AUTH)(_|$)|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY");
    /** The prefix of the variables ORBIT sets for the job (ORBIT_BUNDLE, ORBIT_ARTIFACTS, ORBIT_RUN_ID, ...). */
    public static final String RESERVED_ENV_PREFIX = "ORBIT_";

    private JobSpecValidator() {}

    /** Checks on the raw tree that {@link JobFields} leaves to values: an entrypoint object with argv. */
    static void checkTree(JsonNode tree) {
        JsonNode entrypoint = tree.get("entrypoint");
        if (entrypoint == null || !entrypoint.isObject()) {
            fail("entrypoint", String.valueOf(entrypoint), "must be an object with argv, e.g. {\"argv\": [\"python3\", \"train.py\"]}");
        }
    }

    /** Checks on the bound spec. */
    public static void check(JobSpec spec) {
        String name = spec.name();
        if (name == null || name.isBlank()) fail("name", String.valueOf(name), "give the bundle a name, e.g. demo-1");
        if (name.contains("/") || name.contains("\\")) {
            fail("name", quote(name), "must not contain a path separator: use a plain name like demo-1");
        }
        if (!NAME.matcher(name).matches()) {
            fail("name", quote(name), "use letters, digits, '.', '_' and '-', starting with a letter or digit");
        }

        JobSpec.Resources r = spec.resources();
        nonNegative("resources.gpus", r.gpus());
        if (r.nodes() < 1) fail("resources.nodes", String.valueOf(r.nodes()), "must be 1 or more");
        if (r.gpusPerNode() != null) nonNegative("resources.gpus_per_node", r.gpusPerNode());
        if (r.tasksPerNode() < 1) fail("resources.tasks_per_node", String.valueOf(r.tasksPerNode()), "must be 1 or more");
        if (r.cpus() != null) nonNegative("resources.cpus", r.cpus());
        if (r.gpusPerNode() != null && (long) r.nodes() * r.gpusPerNode() != r.gpus()) {
            fail("resources.gpus", String.valueOf(r.gpus()), "does not match nodes × gpus_per_node = " + r.nodes() + " × "
                    + r.gpusPerNode() + " = " + (long) r.nodes() * r.gpusPerNode() + ": give the GPUs in all, or leave --gpus out");
        }
        noNul("resources.gpu_type", r.gpuType());
        if (r.memory() != null) Quantities.bytes("job.json: resources.memory", r.memory());
        if (r.disk() != null) Quantities.bytes("job.json: resources.disk", r.disk());
        if (r.maxRuntime() != null && Quantities.duration("job.json: resources.max_runtime", r.maxRuntime(), false).isZero()) {
            fail("resources.max_runtime", quote(r.maxRuntime()), "must be more than 0, e.g. 2h");
        }

        JobSpec.Entrypoint e = spec.entrypoint();
        if (e == null || e.argv().isEmpty()) {
            fail("entrypoint.argv", "[]", "give the command to run, e.g. --entrypoint \"python3 train.py\"");
        }
        for (int i = 0; i < e.argv().size(); i++) {
            if (e.argv().get(i) == null) fail("entrypoint.argv[" + i + "]", "null", "must be a string");
            noNul("entrypoint.argv[" + i + "]", e.argv().get(i));
        }
        noNul("entrypoint.workdir", e.workdir());
        if (escapes(e.workdir())) fail("entrypoint.workdir", quote(e.workdir()), "must be a relative path inside the bundle");
        for (Map.Entry<String, String> kv : e.env().entrySet()) {
            String k = kv.getKey();
            if (!ENV_NAME.matcher(k).matches()) {
                fail("entrypoint.env", quote(k), "not a valid variable name: use letters, digits and _ (not starting with a digit)");
            }
            reserved("entrypoint.env", k);
            if (kv.getValue() == null) fail("entrypoint.env." + k, "null", "must be a string");
            noNul("entrypoint.env." + k, kv.getValue());
            if (SECRET_NAME.matcher(k).find()) {
                throw new OrbitException("job.json: entrypoint.env." + k + " looks like a secret and must not be written into the bundle:"
                        + " remove its value and use --secret-env " + k + " (read from the launcher's environment at launch)");
            }
        }
        for (String s : e.secretEnv()) {
            if (s == null || !ENV_NAME.matcher(s).matches()) {
                fail("entrypoint.secret_env", quote(s), "must be a variable name (the value is read at launch, never stored)");
            }
            reserved("entrypoint.secret_env", s);
            if (e.env().containsKey(s)) {
                fail("entrypoint.env." + s, "\"…\"", "is also in secret_env: remove it from env so its value is not stored");
            }
        }

        if (spec.python() == null || spec.python().isBlank()) fail("python", "\"\"", "name the interpreter, e.g. python3");
        noNul("python", spec.python());
        for (int i = 0; i < spec.criticalDeps().size(); i++) {
            String dep = spec.criticalDeps().get(i);
            if (dep == null || !MODULE.matcher(dep).matches()) {
                fail("critical_deps[" + i + "]", quote(dep), "must be an importable module name, e.g. torch or swift");
            }
        }
        if (spec.fork() != null) {
            JobSpec.Fork f = spec.fork();
            if (f.module() == null || !MODULE.matcher(f.module()).matches()) {
                fail("fork.module", quote(f.module()), "must be an importable module name");
            }
            noNul("fork.path", f.path());
            if (f.path() == null || escapes(f.path())) {
                fail("fork.path", quote(f.path()), "must be a relative path inside inputs/ where the fork is staged");
            }
        }
        for (int i = 0; i < spec.upstream().size(); i++) {
            JobSpec.UpstreamPin pin = spec.upstream().get(i);
            if (pin.name() == null || pin.name().isBlank()) fail("upstream[" + i + "].name", quote(pin.name()), "give the component a name");
            noNul("upstream[" + i + "].name", pin.name());
            if (!NAME.matcher(pin.name()).matches()) {
                fail("upstream[" + i + "].name", quote(pin.name()), "use letters, digits, '.', '_' and '-', starting with a letter or digit");
            }
            for (int j = 0; j < i; j++) {
                if (pin.name().equals(spec.upstream().get(j).name())) {
                    fail("upstream[" + i + "].name", quote(pin.name()), "is already used by upstream[" + j + "]: names must be unique in a bundle");
                }
            }
            if (pin.source() == null || pin.source().isBlank()) {
                fail("upstream[" + i + "].source", quote(pin.source()), "give the repository URL or path");
            }
            noNul("upstream[" + i + "].source", pin.source());
            if (pin.command() != null) {
                if (pin.command().isEmpty()) {
                    fail("upstream[" + i + "].command", "[]", "give the argv that runs it, e.g. [\"python3\", \"-m\", \"env.serve\"], or leave it out");
                }
                for (int j = 0; j < pin.command().size(); j++) {
                    String arg = pin.command().get(j);
                    if (arg == null) fail("upstream[" + i + "].command[" + j + "]", "null", "must be a string");
                    noNul("upstream[" + i + "].command[" + j + "]", arg);
                }
            }
            if (pin.commit() == null || !COMMIT.matcher(pin.commit()).matches()) {
                fail("upstream[" + i + "].commit", quote(pin.commit()),
                        "must be an exact 40-character lowercase hex git commit, not a branch, tag or short hash");
            }
        }
    }

    /** True when a relative path would leave its base directory (absolute, or climbing with ..). */
    public static boolean escapes(String relative) {
        if (relative == null || relative.isEmpty()) return true;
        Path p = Path.of(relative);
        if (p.isAbsolute() || relative.startsWith("/")) return true;
        Path n = p.normalize();
        return n.startsWith("..") || n.toString().equals("..");
    }

    /** ORBIT sets these for the job; a bundle setting them would mislead the job about where its run lives. */
    private static void reserved(String field, String name) {
        if (name != null && name.startsWith(RESERVED_ENV_PREFIX)) {
            fail(field, quote(name), "names starting with " + RESERVED_ENV_PREFIX + " are set by ORBIT for the job"
                    + " (ORBIT_BUNDLE, ORBIT_ARTIFACTS, ORBIT_RUN_ID): choose another name");
        }
    }

    /** No program can receive a NUL byte in an argument or a variable: refuse it where it is written, not at launch. */
    private static void noNul(String field, String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            fail(field, quote(value.replace("\0", "\\0")), "contains a NUL byte, which no program can receive: remove it");
        }
    }

    private static void nonNegative(String field, int value) {
        if (value < 0) fail(field, String.valueOf(value), "must be 0 or more");
    }

    private static String quote(String s) {
        if (s == null) return "null";
        String shown = s.length() > 80 ? s.substring(0, 80) + "…" : s;
        return "\"" + shown.replace("\n", "\\n").replace("\0", "\\0") + "\"";
    }

    private static void fail(String field, String value, String fix) {
        throw new OrbitException("job.json: " + field + " = " + value + ": " + fix);
    }
}
