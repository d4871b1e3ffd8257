package orbit.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * System.in of user code: when it runs dry it asks the frontend for a line (input_request on the stdin channel)
 * and blocks until the input_reply arrives. A frontend that does not allow stdin makes reads fail with one line.
 */
final class StdinBridge extends InputStream {
    private final Function<String, Boolean> request;
    // a queue, not a hand-off: the frontend's reply may arrive before the reading thread starts waiting for it
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private byte[] buf = new byte[0];
    private int pos;

    /** {@code request} sends an input_request with the prompt; false when the current cell may not read stdin. */
    StdinBridge(Function<String, Boolean> request) {
        this.request = request;
    }

    void reply(String value) {
        replies.offer(value);
    }

    @Override
    public synchronized int read() throws IOException {
        if (!fill()) return -1;
        return buf[pos++] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (!fill()) return -1;
        int n = Math.min(len, buf.length - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public synchronized int available() {
        return buf.length - pos;
    }

    private boolean fill() throws IOException {
        if (pos < buf.length) return true;
        replies.clear(); // a reply nobody waited for (its cell was interrupted) is not an answer to this request
        if (!request.apply("")) throw new IOException("this frontend does not accept input (allow_stdin is false)");
        String line;
        try {
            line = replies.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("input interrupted");
        }
        buf = (line + "\n").getBytes(StandardCharsets.UTF_8);
        pos = 0;
        return true;
    }
}
