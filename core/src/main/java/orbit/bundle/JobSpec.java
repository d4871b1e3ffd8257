package orbit.bundle;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * job.json: everything the execution plane needs to run a job, and nothing secret.
 * Field names on disk are snake_case; {@link JobSpecReader} validates before anything is built from them.
 */
@JsonPropertyOrder({"schema_version", "name", "resources", "entrypoint", "python", "critical_deps", "fork", "upstream", "created_at", "orbit_version", "reference"})
public record JobSpec(
        @JsonProperty("schema_version") String schemaVersion,
        @JsonProperty("name") String name,
        @JsonProperty("resources") Resources resources,
        @JsonProperty("entrypoint") Entrypoint entrypoint,
        @JsonProperty("python") String python,
        @JsonProperty("critical_deps") List<String> criticalDeps,
        @JsonProperty("fork") Fork fork,
        @JsonProperty("upstream") List<UpstreamPin> upstream,
        @JsonProperty("created_at") String createdAt,
        @JsonProperty("orbit_version") String orbitVersion,
        @JsonProperty("reference") Reference reference) {

    public static final String SCHEMA = "orbit.job.v1";

    /** A spec without a reference run (every bundle made by `bundle new`). */
    public JobSpec(String schemaVersion, String name, Resources resources, Entrypoint entrypoint, String python,
                   List<String> criticalDeps, Fork fork, List<UpstreamPin> upstream, String createdAt, String orbitVersion) {
        this(schemaVersion, name, resources, entrypoint, python, criticalDeps, fork, upstream, createdAt, orbitVersion, null);
    }

    public JobSpec {
        criticalDeps = criticalDeps == null ? List.of() : List.copyOf(criticalDeps);
        upstream = upstream == null ? List.of() : List.copyOf(upstream);
        python = python == null || python.isBlank() ? "python3" : python;
        resources = resources == null ? Resources.none() : resources;
    }

    /** Starts a spec for a new bundle running {@code argv}; created_at and orbit_version are filled in. */
    public static Builder builder(String name, List<String> argv) {
        return new Builder(name, argv);
    }

    /** Fluent construction for the CLI and for JShell users; {@link #build()} validates nothing, {@link Bundle#create} does. */
    public static final class Builder {
        private final String name;
        private final List<String> argv;
        private Integer gpus;
        private String gpuType;
        private int nodes = 1;
        private Integer gpusPerNode;
        private Integer tasksPerNode;
        private Integer cpus;
        private String memory;
        private String disk;
        private String maxRuntime;
        private String workdir;
        private final Map<String, String> env = new java.util.LinkedHashMap<>();
        private final List<String> secretEnv = new java.util.ArrayList<>();
        private String python;
        private final List<String> criticalDeps = new java.util.ArrayList<>();
        private Fork fork;
        private final List<UpstreamPin> upstream = new java.util.ArrayList<>();

        private Builder(String name, List<String> argv) {
            this.name = name;
            this.argv = argv == null ? List.of() : List.copyOf(argv);
        }

        public Builder gpus(Integer n) { this.gpus = n; return this; }
        public Builder gpuType(String t) { this.gpuType = t; return this; }
        public Builder nodes(int n) { this.nodes = n; return this; }
        public Builder gpusPerNode(Integer n) { this.gpusPerNode = n; return this; }
        public Builder tasksPerNode(Integer n) { this.tasksPerNode = n; return this; }
        public Builder cpus(Integer n) { this.cpus = n; return this; }
        public Builder memory(String m) { this.memory = m; return this; }
        public Builder disk(String d) { this.disk = d; return this; }
        public Builder maxRuntime(String d) { this.maxRuntime = d; return this; }
        public Builder workdir(String w) { this.workdir = w; return this; }
        public Builder env(String k, String v) { this.env.put(k, v); return this; }
        public Builder secretEnv(String name) { this.secretEnv.add(name); return this; }
        public Builder python(String p) { this.python = p; return this; }
        public Builder criticalDep(String module) { this.criticalDeps.add(module); return this; }
        public Builder fork(String module, String pathUnderInputs) { this.fork = new Fork(module, pathUnderInputs); return this; }
        public Builder upstream(String name, String source, String commit) { return upstream(name, source, commit, null); }

        /**
         * An upstream pin; the commit is trimmed and lower-cased first (as `git log` users paste it), then checked
         * strictly as 40 hex characters when the bundle is created. {@code command} is how the job calls it, or null.
         */
        public Builder upstream(String name, String source, String commit, List<String> command) {
            String c = commit == null ? null : commit.strip().toLowerCase(java.util.Locale.ROOT);
            this.upstream.add(new UpstreamPin(name, source, c, command));
            return this;
        }

        public JobSpec build() {
            // GPUs in all follow from nodes × GPUs per node when only the latter is given
            int allGpus = gpus != null ? gpus
                    : gpusPerNode == null ? 0 : (int) Math.min(Integer.MAX_VALUE, (long) nodes * Math.max(0, gpusPerNode));
            return new JobSpec(SCHEMA, name,
                    new Resources(allGpus, gpuType, nodes, gpusPerNode, tasksPerNode, cpus, memory, disk, maxRuntime),
                    new Entrypoint(argv, workdir, env, secretEnv),
                    python, criticalDeps, fork, upstream,
                    java.time.Instant.now().toString(), orbit.Orbit.version());
        }
    }

    /**
     * What the job asks of the machine. Sizes and durations stay as the user wrote them ("64G", "2h").
     * tasks_per_node is how many copies of the entrypoint each node runs (default 1).
     */
    @JsonPropertyOrder({"gpus", "gpu_type", "nodes", "gpus_per_node", "tasks_per_node", "cpus", "memory", "disk", "max_runtime"})
    public record Resources(
            @JsonProperty("gpus") int gpus,
            @JsonProperty("gpu_type") String gpuType,
            @JsonProperty("nodes") int nodes,
            @JsonProperty("gpus_per_node") Integer gpusPerNode,
            @JsonProperty("tasks_per_node") Integer tasksPerNode,
            @JsonProperty("cpus") Integer cpus,
            @JsonProperty("memory") String memory,
            @JsonProperty("disk") String disk,
            @JsonProperty("max_runtime") String maxRuntime) {
        @com.fasterxml.jackson.annotation.JsonCreator
        public Resources {
            tasksPerNode = tasksPerNode == null ? 1 : tasksPerNode;
        }

        /** Without tasks_per_node: one task per node. */
        public Resources(int gpus, String gpuType, int nodes, Integer gpusPerNode, Integer cpus, String memory, String disk, String maxRuntime) {
            this(gpus, gpuType, nodes, gpusPerNode, null, cpus, memory, disk, maxRuntime);
        }

        public static Resources none() {
            return new Resources(0, null, 1, null, null, null, null, null, null);
        }
    }

    /**
     * The program to run: argv is passed as-is (never through a shell), workdir is relative to the bundle,
     * env holds plain values only and secret_env only the names of variables taken from the launcher's environment.
     */
    @JsonPropertyOrder({"argv", "workdir", "env", "secret_env"})
    public record Entrypoint(
            @JsonProperty("argv") List<String> argv,
            @JsonProperty("workdir") String workdir,
            @JsonProperty("env") Map<String, String> env,
            @JsonProperty("secret_env") List<String> secretEnv) {
        public Entrypoint {
            argv = argv == null ? List.of() : List.copyOf(argv);
            workdir = workdir == null || workdir.isBlank() ? "." : workdir;
            env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
            secretEnv = secretEnv == null ? List.of() : List.copyOf(secretEnv);
        }
    }

    /** A fork of a critical dependency staged under inputs/ (path relative to inputs/), with its FORK_MANIFEST.json. */
    public record Fork(@JsonProperty("module") String module, @JsonProperty("path") String path) {}

    /**
     * What a clone was cloned from (optional): the run it re-runs and how its critical dependencies resolved there.
     * The precheck compares each dependency's version and files digest with these and records which differ.
     */
    @JsonPropertyOrder({"source", "deps"})
    public record Reference(@JsonProperty("source") String source, @JsonProperty("deps") List<ReferenceDep> deps) {
        public Reference {
            deps = deps == null ? List.of() : List.copyOf(deps);
        }
    }

    @JsonPropertyOrder({"name", "version", "path", "files_sha256"})
    public record ReferenceDep(@JsonProperty("name") String name, @JsonProperty("version") String version,
                               @JsonProperty("path") String path, @JsonProperty("files_sha256") String filesSha256) {}

    /**
     * An upstream component called as a black box, pinned to an exact 40-character commit; {@code command} is the argv
     * the job runs it with, when recorded (null otherwise, and then not written).
     */
    @JsonPropertyOrder({"name", "source", "commit", "command"})
    public record UpstreamPin(
            @JsonProperty("name") String name,
            @JsonProperty("source") String source,
            @JsonProperty("commit") String commit,
            @JsonProperty("command") List<String> command) {
        @com.fasterxml.jackson.annotation.JsonCreator
        public UpstreamPin {
            command = command == null ? null : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(command));
        }

        public UpstreamPin(String name, String source, String commit) {
            this(name, source, commit, null);
        }

        /** What `bundle new --upstream` and `upstream pin` accept as a commit: surrounding spaces and case do not matter. */
        public static String normalizeCommit(String commit) {
            return commit == null ? null : commit.strip().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
