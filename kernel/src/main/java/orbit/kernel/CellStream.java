package orbit.kernel;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * System.out / System.err of user code: collects bytes and publishes them as a stream message at each line end
 * (and when the cell finishes), so output appears while a long cell runs without one message per character.
 */
final class CellStream extends OutputStream {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final Consumer<String> publish;

    CellStream(Consumer<String> publish) {
        this.publish = publish;
    }

    @Override
    public synchronized void write(int b) {
        buffer.write(b);
        if (b == '\n' && buffer.size() > 8192) flush();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        buffer.write(b, off, len);
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                flush();
                return;
            }
        }
        if (buffer.size() > 8192) flush();
    }

    @Override
    public synchronized void flush() {
        if (buffer.size() == 0) return;
        String text = buffer.toString(StandardCharsets.UTF_8);
        buffer.reset();
        publish.accept(text);
    }
}
