package orbit.artifacts;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.base.ParserBase;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a JSON Lines file with one Jackson parser per block of complete lines (megabytes), reading
 * consecutive root-level objects, instead of one parser per line. Creating a parser per line costs more
 * than parsing the line, so this is what keeps a large audit near the speed of a bare streaming pass.
 * <p>
 * One bad line must still cost only that line. The block parser hands each object to the sink, but the sink
 * keeps it only once the scanner has checked that the object sat alone on its line (opened and closed on
 * the same line, and the next token starts on a later line). On anything else (a parse error, a value that
 * is not an object, two objects on a line, an object spread over lines) the scanner drops the pending
 * object, hands the lines from there on to {@link Sink#line} one at a time until it has given it one
 * non-blank line, then starts a new block parser after it. The last line without a newline always goes to
 * {@link Sink#line}, flagged, with its byte offset: that is what a writer that died mid-write leaves.
 * <p>
 * Lines end at "\n", "\r\n" or a lone "\r" (the line breaks Jackson counts), so line numbers agree between
 * the two ways of reading.
 */
final class JsonLinesScanner {
    interface Sink {
        /** The parser is on a root START_OBJECT: read the object up to its END_OBJECT into a pending row. */
        void object(JsonParser p) throws IOException;

        /** The pending object was alone on its line {@code lineNo}; {@code buf[off, off+len)} is its text. Keep it. */
        void commit(byte[] buf, int off, int len, long lineNo);

        /** One line the block parser did not take (without its line break), to be parsed on its own. */
        void line(byte[] buf, int off, int len, long lineNo, long byteOffset, boolean lastWithoutNewline);

        /**
         * Reads the line starting at {@code pos} straight from its bytes when it has the plain shape the sink knows
         * (and keeps it); returns the index of its line break, or -1 when it left that shape (nothing kept: the
         * scanner then hands it to {@link #line}). A sink without such a reader always returns -1.
         */
        default int plain(byte[] buf, int pos, int to) {
            return -1;
        }
    }

    /**
     * Jackson's defaults, except doubles are read with its bundled fast parser (JDK's Double.parseDouble
     * was a tenth of the load). The benchmark's bare pass uses this same factory.
     */
    static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();
    private static final int BLOCK = 1 << 23;

    private final Sink sink;
    private long lines;

    JsonLinesScanner(Sink sink) {
        this.sink = sink;
    }

    /** Lines not taken by {@link Sink#plain}, and whether it is still asked (for the loader's debug output). */
    String plainStats() {
        return plainMissed + " lines not plain" + (plainMode ? "" : ", then the block parser");
    }

    /** Lines seen so far, blank ones included. */
    long lines() {
        return lines;
    }

    void run(InputStream in) throws IOException {
        run(in, 0);
    }

    /**
     * Reads {@code in}, whose first byte sits at byte {@code offset} of the file (byte offsets in reports are the
     * file's); line numbers count from 1 at that byte.
     */
    void run(InputStream in, long offset) throws IOException {
        byte[] buf = new byte[BLOCK];
        int start = 0;
        int end = 0;
        long base = offset; // file offset of buf[0]
        while (true) {
            if (start > 0) { // move the partial last line to the front
                System.arraycopy(buf, start, buf, 0, end - start);
                base += start;
                end -= start;
                start = 0;
            }
            if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
            int scanFrom = end;
            int r = in.read(buf, end, buf.length - end);
            if (r < 0) break;
            end += r;
            int lastNl = -1;
            for (int i = end - 1; i >= scanFrom; i--) {
                if (buf[i] == '\n') {
                    lastNl = i;
                    break;
                }
            }
            if (lastNl >= 0) {
                block(buf, start, lastNl + 1, base);
                start = lastNl + 1;
            }
        }
        tail(buf, start, end, base);
    }

    /**
     * buf[from, to) holds complete lines (it ends with a line break). Each line is first offered to the sink's
     * own reader ({@link Sink#plain}); one it does not take is parsed on its own. When many lines are not taken
     * (another writer's shape), the rest of the piece goes through the block parser instead.
     */
    private void block(byte[] buf, int from, int to, long base) {
        int pos = from;
        while (pos < to && plainMode) {
            int e = sink.plain(buf, pos, to);
            if (e >= 0) {
                lines++;
                pos = afterLineBreak(buf, e, to);
                continue;
            }
            e = lineEnd(buf, pos, to);
            if (LineSplitter.blank(buf, pos, e - pos)) {
                lines++;
                pos = afterLineBreak(buf, e, to);
                continue;
            }
            pos = slow(buf, pos, to, base);
            if (++plainMissed >= 256 && plainMissed * 8L >= lines) plainMode = false;
        }
        while (pos < to) {
            pos = fast(buf, pos, to);
            if (pos < to) pos = slow(buf, pos, to, base);
        }
    }

    private boolean plainMode = true;
    private long plainMissed;

    /** Reads every line with the Jackson block parser, none through {@link Sink#plain} (to compare the two ways). */
    JsonLinesScanner jacksonOnly() {
        plainMode = false;
        return this;
    }

    /** Parses objects from pos with one parser; returns where it stopped: {@code to}, or the start of the first line it did not keep. */
    private int fast(byte[] buf, int pos, int to) {
        long lineBase = lines;
        int resume = pos;
        try (JsonParser p = FACTORY.createParser(buf, pos, to - pos)) {
            if (!(p instanceof ParserBase pb)) return pos;
            JsonToken t = p.nextToken();
            while (t != null) {
                if (t != JsonToken.START_OBJECT) return resume;
                int line = pb.getTokenLineNr();
                // for structural tokens Jackson's token offset is just past the bracket; checked against the bytes below
                int open = pos + (int) (pb.getTokenCharacterOffset() - 1);
                sink.object(p);
                if (p.currentToken() != JsonToken.END_OBJECT || pb.getTokenLineNr() != line) return resume;
                int close = pos + (int) (pb.getTokenCharacterOffset() - 1);
                if (open < pos || close >= to || buf[open] != '{' || buf[close] != '}') return resume;
                t = p.nextToken();
                if (t != null && pb.getTokenLineNr() == line) return resume;
                lines = lineBase + line;
                sink.commit(buf, open, close + 1 - open, lines);
                resume = afterLineBreak(buf, close + 1, to);
            }
            lines = lineBase + p.currentLocation().getLineNr() - 1; // the block ends with a line break
            return to;
        } catch (IOException | RuntimeException e) {
            return resume;
        }
    }

    /** Hands lines from pos to the sink one by one until a non-blank one has been handed; returns the next line's start. */
    private int slow(byte[] buf, int pos, int to, long base) {
        while (pos < to) {
            int e = lineEnd(buf, pos, to);
            lines++;
            boolean blank = LineSplitter.blank(buf, pos, e - pos);
            if (!blank) sink.line(buf, pos, e - pos, lines, base + pos, false);
            pos = afterLineBreak(buf, e, to);
            if (!blank) break;
        }
        return pos;
    }

    /** What follows the last "\n": lines ended by a lone "\r", then perhaps a last line without a line break. */
    private void tail(byte[] buf, int pos, int end, long base) {
        while (pos < end) {
            int e = lineEnd(buf, pos, end);
            lines++;
            boolean last = e == end;
            if (!LineSplitter.blank(buf, pos, e - pos)) sink.line(buf, pos, e - pos, lines, base + pos, last);
            pos = afterLineBreak(buf, e, end);
        }
    }

    private static int lineEnd(byte[] buf, int pos, int to) {
        while (pos < to && buf[pos] != '\n' && buf[pos] != '\r') pos++;
        return pos;
    }

    /** From the end of a line's content (or anywhere in its trailing blanks): the start of the next line. */
    private static int afterLineBreak(byte[] buf, int i, int to) {
        while (i < to) {
            byte b = buf[i++];
            if (b == '\n') return i;
            if (b == '\r') return i < to && buf[i] == '\n' ? i + 1 : i;
        }
        return to;
    }
}
