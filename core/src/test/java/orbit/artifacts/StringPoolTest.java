package orbit.artifacts;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class StringPoolTest {
    private static String bytes(StringPool pool, String text) {
        byte[] b = ("xx" + text + "yy").getBytes(StandardCharsets.ISO_8859_1);
        return pool.get(b, 2, text.length());
    }

    private static String chars(StringPool pool, String text) {
        char[] c = ("xx" + text + "yy").toCharArray();
        return pool.get(c, 2, text.length());
    }

    @Test
    void oneStringPerTextWhicheverWayItCameIn() {
        StringPool pool = new StringPool();
        String host = chars(pool, "gpu-box-01"); // the first line, read by Jackson
        assertSame(host, bytes(pool, "gpu-box-01")); // the plain lines after it
        String uuid = bytes(pool, "GPU-3f9a7c21-5b6e-4d8a-9c0f-1e2d3c4b5a60");
        assertSame(uuid, bytes(pool, "GPU-3f9a7c21-5b6e-4d8a-9c0f-1e2d3c4b5a60"));
        assertSame(uuid, chars(pool, "GPU-3f9a7c21-5b6e-4d8a-9c0f-1e2d3c4b5a60"));
    }

    @Test
    void textsWithTheSameSampledHashStayApart() {
        StringPool pool = new StringPool();
        // the hash samples length, both ends, the middle and the second from each end: index 2 and 4 are not in it
        String a = bytes(pool, "abXdeFg"), b = bytes(pool, "abYdeFg"), c = chars(pool, "abXdZFg");
        assertEquals("abXdeFg", a);
        assertEquals("abYdeFg", b);
        assertEquals("abXdZFg", c);
        assertNotEquals(a, b);
        assertSame(a, bytes(pool, "abXdeFg"));
        assertSame(b, chars(pool, "abYdeFg"));
        assertSame(c, bytes(pool, "abXdZFg"));
    }

    @Test
    void textBeyondAsciiKeepsItsCharacters() {
        StringPool pool = new StringPool(); // the plain reader hands over ASCII only; Jackson's way any text
        String e = chars(pool, "caf\u00e9");
        assertSame(e, chars(pool, "caf\u00e9"));
        assertEquals("caf\u00e9", bytes(pool, "caf\u00e9"));
    }
}
