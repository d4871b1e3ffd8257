package orbit.ssh;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TarStreamTest {

    @Test
    void theAnnouncedLengthIsExactlyWhatIsWrittenAndEveryNameAndModeSurvives(@TempDir Path dir) throws IOException {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        contents.put("job.json", "{}".getBytes(StandardCharsets.UTF_8));
        contents.put("inputs/empty", new byte[0]);
        contents.put("inputs/block", new byte[512]);
        contents.put("inputs/" + "long-".repeat(40) + "name.bin", new byte[1000]);
        contents.put("inputs/données-é.txt", "ü".getBytes(StandardCharsets.UTF_8));
        contents.put("inputs/line\nbreak", new byte[3]);
        List<BundleShip.LocalFile> files = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, byte[]> c : contents.entrySet()) {
            Path f = dir.resolve("f" + i++);
            Files.write(f, c.getValue());
            files.add(new BundleShip.LocalFile(c.getKey(), f, c.getValue().length, 1_700_000_000_123_456_789L, i % 2 == 0 ? 0755 : 0600));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> done = new ArrayList<>();
        long[] sent = {0};
        TarStream.write(out, files, ByteBuffer.allocate(300), n -> sent[0] += n, f -> done.add(f.path()));

        assertEquals(TarStream.length(files), out.size(), "the host's tar reads exactly the announced length");
        assertEquals(contents.values().stream().mapToLong(b -> b.length).sum(), sent[0]);
        assertEquals(List.copyOf(contents.keySet()), done);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            int k = 0;
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; k++) {
                BundleShip.LocalFile f = files.get(k);
                assertEquals(f.path(), e.getName());
                assertEquals(f.mode(), e.getMode() & 07777);
                assertEquals(1_700_000_000L, e.getLastModifiedTime().toInstant().getEpochSecond());
                assertArrayEquals(contents.get(f.path()), tar.readAllBytes());
            }
            assertEquals(files.size(), k);
        }
    }
}
