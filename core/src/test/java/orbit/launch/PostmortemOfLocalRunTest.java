package orbit.launch;

import orbit.artifacts.Artifacts;
import orbit.artifacts.Postmortem;
import orbit.bundle.Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** The post-mortem of a real local run of the tiny trainer that crashes, read from its bundle alone. */
class PostmortemOfLocalRunTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aCrashedTinyTrainerRunIsAPythonExceptionQuotedFromTrainingLog() throws Exception {
        Bundle b = TestBundles.trainer(dir, "crash", "--steps", "40", "--logging-steps", "2", "--step-sleep", "0.02", "--crash-at-step", "12");
        // simulated GPUs run at their power cap: that must not become a cause
        RunStatus st = new LocalTarget().launch(b, TestBundles.FAST.withSimulateGpus(2)).waitFor(WAIT);
        assertEquals(RunState.FAILED, st.state(), st::line);

        Postmortem p = Artifacts.of(b).postmortem();
        assertFalse(p.causes().isEmpty(), p::toString);
        Postmortem.Cause c = p.causes().get(0);
        assertEquals("python_exception", c.kind(), p::toString);
        assertEquals("RuntimeError: simulated crash at step 12 (--crash-at-step)", c.summary());
        assertFalse(c.simulated());
        Postmortem.Evidence quoted = c.evidence().get(0);
        assertEquals("artifacts/training.log", quoted.file());
        assertEquals("RuntimeError: simulated crash at step 12 (--crash-at-step)", quoted.text());
        assertNotNull(quoted.line());
        assertTrue(p.causes().stream().noneMatch(x -> x.kind().equals("thermal")), p::toString);

        assertEquals(5, p.questions().size());
        assertTrue(p.questions().get(0).answer().startsWith("yes: staged at "), p.questions().get(0).answer());
        assertTrue(p.questions().get(1).answer().startsWith("yes: "), p.questions().get(1).answer());
        assertTrue(p.questions().get(2).answer().startsWith("failed at ") && p.questions().get(2).answer().contains("exit code 1"), p.questions().get(2).answer());
        assertTrue(p.questions().get(3).answer().startsWith("last step 10 of 40"), p.questions().get(3).answer());
        assertTrue(p.questions().get(4).answer().startsWith("SIMULATED samples"), p.questions().get(4).answer());
    }
}
