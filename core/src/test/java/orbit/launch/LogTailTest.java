package orbit.launch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogTailTest {
    @TempDir
    Path dir;

    @Test
    void lastLinesReadsOnlyTheEndAcrossBlockBoundaries() throws Exception {
        // 200,000 lines (about 2.3 MB): far more than one 64 KiB block
        String text = IntStream.range(0, 200_000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n", "", "\n"));
        Path log = Files.writeString(dir.resolve("training.log"), text);
        assertEquals(List.of("line 199997", "line 199998", "line 199999"), LogTail.lastLines(log, 3));
        assertEquals(200_000, LogTail.lastLines(log, 1_000_000).size());
        assertEquals("line 0", LogTail.lastLines(log, 1_000_000).get(0));
        assertEquals(List.of(), LogTail.lastLines(dir.resolve("missing.log"), 5));
        Path partial = Files.writeString(dir.resolve("partial.log"), "a\nb\nhalf a li");
        assertEquals(List.of("b", "half a li"), LogTail.lastLines(partial, 2));
    }

    @Test
    void copyFromPrintsOnlyWhatWasAppended() throws Exception {
        Path log = Files.writeString(dir.resolve("t.log"), "one\n");
        StringWriter out = new StringWriter();
        long offset = LogTail.copyFrom(log, 0, new PrintWriter(out));
        Files.writeString(log, "two\n", java.nio.file.StandardOpenOption.APPEND);
        offset = LogTail.copyFrom(log, offset, new PrintWriter(out));
        assertEquals("one\ntwo\n", out.toString());
        assertEquals(8, offset);
    }
}
