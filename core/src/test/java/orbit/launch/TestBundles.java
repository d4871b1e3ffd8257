package orbit.launch;

import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.trainer.TinyTrainer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Real bundles that run the shipped tiny trainer with python3 from PATH. */
final class TestBundles {
    static final LaunchOptions FAST = LaunchOptions.defaults().withHeartbeat(Duration.ofSeconds(1));

    private TestBundles() {}

    static JobSpec spec(String name, List<String> argv, Map<String, String> env, List<String> deps, JobSpec.Fork fork) {
        return new JobSpec(JobSpec.SCHEMA, name, JobSpec.Resources.none(),
                new JobSpec.Entrypoint(argv, ".", env, List.of()), "python3", deps, fork, List.of(),
                "2026-01-01T00:00:00Z", "test");
    }

    /** A bundle whose entrypoint is `python3 inputs/tiny_trainer.py ARGS...`. */
    static Bundle trainer(Path dir, String name, String... trainerArgs) {
        List<String> argv = new ArrayList<>(List.of("python3", "inputs/" + TinyTrainer.FILE_NAME));
        argv.addAll(List.of(trainerArgs));
        Bundle b = Bundle.create(dir.resolve(name), spec(name, argv, Map.of(), List.of(), null));
        TinyTrainer.writeTo(b.inputsDir());
        return b;
    }
}
