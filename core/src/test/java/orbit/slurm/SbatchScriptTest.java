package orbit.slurm;

import orbit.OrbitException;
import orbit.bundle.JobSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** job.json → the #SBATCH request, without a cluster. */
class SbatchScriptTest {
    private static JobSpec.Builder job() {
        return JobSpec.builder("my job", List.of("python3", "train.py"));
    }

    @Test
    void requestFollowsJobJson() {
        List<String> d = SbatchScript.directives(job().nodes(2).gpus(8).tasksPerNode(4).cpus(32).memory("1.5G").maxRuntime("90s").build());
        assertEquals(List.of("--job-name=my_job", "--nodes=2", "--ntasks-per-node=4", "--gres=gpu:4", "--cpus-per-task=8",
                "--mem=1536", "--time=2", "--signal=B:USR1@60", "--output=runtime/slurm-%j.out", "--export=NONE"), d);
    }

    @Test
    void defaultsAreOneTaskOnOneNodeWithoutGpusOrLimits() {
        assertEquals(List.of("--job-name=my_job", "--nodes=1", "--ntasks-per-node=1", "--signal=B:USR1@60",
                "--output=runtime/slurm-%j.out", "--export=NONE"), SbatchScript.directives(job().build()));
    }

    @Test
    void gpusPerNodeAndGpuTypeGoIntoGres() {
        assertTrue(SbatchScript.directives(job().nodes(2).gpusPerNode(4).gpuType("h100").build()).contains("--gres=gpu:h100:4"));
    }

    @Test
    void timeIsRoundedUpToWholeMinutesAndMemoryToMiB() {
        List<String> d = SbatchScript.directives(job().maxRuntime("1h30m").memory("1000K").build());
        assertTrue(d.contains("--time=90"), d.toString());
        assertTrue(d.contains("--mem=1"), d.toString());
        assertTrue(SbatchScript.directives(job().maxRuntime("61s").build()).contains("--time=2"));
    }

    @Test
    void unevenSplitsAreRefusedInOneLine() {
        OrbitException gpus = assertThrows(OrbitException.class, () -> SbatchScript.directives(job().nodes(2).gpus(3).build()));
        assertEquals("job.json: resources.gpus = 3 cannot be split evenly over 2 nodes: set --gpus-per-node, or give gpus as a multiple of nodes", gpus.getMessage());
        OrbitException cpus = assertThrows(OrbitException.class, () -> SbatchScript.directives(job().tasksPerNode(2).cpus(3).build()));
        assertTrue(cpus.getMessage().startsWith("job.json: resources.cpus = 3 cannot be split evenly over 2 tasks per node"), cpus.getMessage());
    }
}
