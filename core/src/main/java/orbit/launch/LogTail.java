package orbit.launch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reading the growing end of a log: its last lines, and whatever was appended since an offset. */
public final class LogTail {
    private static final int BLOCK = 64 * 1024;

    private LogTail() {}

    /** The last {@code lines} lines of {@code file} (fewer when it is shorter; empty when it does not exist), read from the end. */
    public static List<String> lastLines(Path file, int lines) {
        if (lines <= 0 || !Files.isRegularFile(file)) return List.of();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long end = raf.length();
            long start = end;
            int newlines = 0;
            byte[] buf = new byte[BLOCK];
            // walk back block by block until the window holds more line breaks than lines asked for
            while (start > 0 && newlines <= lines) {
                int n = (int) Math.min(BLOCK, start);
                start -= n;
                raf.seek(start);
                raf.readFully(buf, 0, n);
                for (int i = 0; i < n; i++) if (buf[i] == '\n') newlines++;
            }
            byte[] window = new byte[(int) (end - start)];
            raf.seek(start);
            raf.readFully(window);
            List<String> all = new String(window, StandardCharsets.UTF_8).lines().toList();
            if (start > 0 && !all.isEmpty()) all = all.subList(1, all.size()); // the first line of the window may be cut
            return List.copyOf(all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Prints what {@code file} holds past {@code offset} (at most 1 MiB at a time) and returns the new offset. */
    public static long copyFrom(Path file, long offset, PrintWriter out) {
        if (!Files.isRegularFile(file)) return offset;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            if (len <= offset) return offset;
            byte[] buf = new byte[(int) Math.min(len - offset, 1 << 20)];
            raf.seek(offset);
            raf.readFully(buf);
            out.print(new String(buf, StandardCharsets.UTF_8));
            out.flush();
            return offset + buf.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
