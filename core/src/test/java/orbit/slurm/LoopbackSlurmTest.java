package orbit.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The test cluster itself: a two-task job with two fake GPUs runs to COMPLETED and each rank sees its GPUs. */
class LoopbackSlurmTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void twoTaskGpuJobRunsToCompletion(@TempDir Path dir) throws Exception {
        assumeTrue(LoopbackSlurm.available(), "Slurm daemons not installed or not root");
        try (LoopbackSlurm slurm = LoopbackSlurm.start(dir.resolve("cluster"))) {
            Path job = dir.resolve("job.sh");
            Files.writeString(job, "#!/bin/bash\nsrun bash -c 'echo rank=$SLURM_PROCID gpus=$CUDA_VISIBLE_DEVICES'\n");
            Path out = dir.resolve("out.txt");
            LoopbackSlurm.Result sub = slurm.command("sbatch", "--parsable", "--ntasks-per-node=2", "--gres=gpu:2",
                    "--output=" + out, job.toString());
            assertEquals(0, sub.rc(), sub.out());
            String id = sub.out().trim().split(";")[0];
            String state = "";
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < end) {
                String show = slurm.command("scontrol", "show", "job", id).out();
                state = show.replaceAll("(?s).*JobState=(\\S+).*", "$1");
                if (List.of("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL").contains(state)) break;
                Thread.sleep(100); // polling Slurm's own record; there is nothing to wait on
            }
            assertEquals("COMPLETED", state);
            List<String> lines = Files.readAllLines(out).stream().sorted().toList();
            assertEquals(List.of("rank=0 gpus=0,1", "rank=1 gpus=0,1"), lines);
            assertTrue(slurm.command("squeue", "--json").out().contains("\"jobs\""));
        }
    }
}
