package orbit.dist;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Python environment with JupyterLab 4, Notebook 7, papermill and nbclient from PyPI, which install/run-tests
 * makes once per machine and names in ORBIT_TEST_VENV (or -Dorbit.test.venv). Tests of those clients skip, saying
 * why, where it is absent.
 */
final class ClientVenv {
    private ClientVenv() {}

    static Path require() {
        String named = System.getProperty("orbit.test.venv", System.getenv("ORBIT_TEST_VENV"));
        Assumptions.assumeTrue(named != null && !named.isBlank(),
                "no client venv (JupyterLab 4, Notebook 7, papermill): ORBIT_TEST_VENV is not set; install/run-tests makes it and sets it");
        Path venv = Path.of(named);
        Assumptions.assumeTrue(Files.isExecutable(venv.resolve("bin/jupyter")),
                "no client venv at " + venv + " (no bin/jupyter): install/run-tests makes it");
        return venv;
    }
}
