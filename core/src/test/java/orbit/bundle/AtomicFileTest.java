package orbit.bundle;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFileTest {
    @TempDir
    Path dir;

    /** Rewrites job.json with a large payload forever, so that a SIGKILL lands in the middle of a write. */
    public static final class Rewriter {
        public static void main(String[] args) {
            Path target = Path.of(args[0]);
            String filler = "x".repeat(4 << 20);
            for (int i = 0; ; i++) {
                JobSpec spec = JobSpec.builder("demo", List.of("python3", "train.py", filler + i)).build();
                AtomicFile.writeJson(target, spec);
                if (i == 0) System.out.println("first write done");
            }
        }
    }

    @Test
    void aWriterKilledMidWriteLeavesACompleteJobJson() throws Exception {
        Path job = dir.resolve("job.json");
        JobSpec original = JobSpec.builder("demo", List.of("python3", "train.py")).build();
        AtomicFile.writeJson(job, original);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Rewriter.class.getName(), job.toString())
                .redirectErrorStream(true).start();
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        assertEquals("first write done", reader.readLine());
        Thread.sleep(300);
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        JobSpec after = JobSpecReader.read(job);
        assertEquals("demo", after.name());
        assertEquals(3, after.entrypoint().argv().size(), "a whole spec from one of the writes, never a torn one");
    }

    @Test
    void leavesNoTempFileBehindOnSuccess() throws Exception {
        AtomicFile.write(dir.resolve("a.json"), "{}".getBytes());
        try (var s = Files.list(dir)) {
            assertEquals(List.of("a.json"), s.map(p -> p.getFileName().toString()).toList());
        }
    }
}
