package orbit.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines without decoding it, handing each line (without its newline) to a
 * consumer along with its 1-based number and byte offset. A final line without a newline is flagged:
 * that is what a writer that died mid-write leaves behind.
 */
final class LineSplitter {
    interface LineConsumer {
        void line(byte[] buf, int off, int len, long lineNo, long byteOffset, boolean lastWithoutNewline);
    }

    private static final int BLOCK = 1 << 22;
    private final LineConsumer consumer;

    LineSplitter(LineConsumer consumer) {
        this.consumer = consumer;
    }

    void run(InputStream in) throws IOException {
        byte[] buf = new byte[BLOCK];
        int start = 0;
        int end = 0;
        long base = 0; // file offset of buf[0]
        long lineNo = 0;
        int scan = 0;
        while (true) {
            int nl = -1;
            for (int i = scan; i < end; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            if (nl >= 0) {
                int len = nl - start;
                if (len > 0 && buf[nl - 1] == '\r') len--;
                consumer.line(buf, start, len, ++lineNo, base + start, false);
                start = nl + 1;
                scan = start;
                continue;
            }
            scan = end;
            // no newline in what we hold: move the partial line to the front, grow if it fills the buffer, read more
            if (start > 0) {
                System.arraycopy(buf, start, buf, 0, end - start);
                base += start;
                end -= start;
                scan -= start;
                start = 0;
            }
            if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
            int r = in.read(buf, end, buf.length - end);
            if (r < 0) break;
            end += r;
        }
        if (end > start) consumer.line(buf, start, end - start, ++lineNo, base + start, true);
    }

    static boolean blank(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = buf[i];
            if (b != ' ' && b != '\t' && b != '\r') return false;
        }
        return true;
    }
}
