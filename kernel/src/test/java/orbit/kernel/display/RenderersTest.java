package orbit.kernel.display;

import orbit.display.MimeBundle;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RenderersTest {
    final Renderers r = Renderers.standard();

    @Test
    void tableRendersAsHtmlWithPlainFallback() {
        Table t = Table.create("loss", DoubleColumn.create("v", 0.5, 0.25));
        Map<String, String> m = r.render(t);
        assertTrue(m.get("text/html").contains("<table>"));
        assertTrue(m.get("text/html").contains("0.25"));
        assertTrue(m.containsKey("text/plain"));
    }

    @Test
    void imageRendersAsPngBytes() {
        Map<String, String> m = r.render(new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB));
        byte[] png = Base64.getDecoder().decode(m.get("image/png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }

    @Test
    void mimeBundleValuesShowThemselvesAndSubtypesInherit() {
        record Status(String s) implements MimeBundle {
            public Map<String, String> mimeBundle() {
                return Map.of("text/html", "<b>" + s + "</b>", "text/plain", s);
            }
        }
        assertEquals("<b>running</b>", r.render(new Status("running")).get("text/html"));
    }

    @Test
    void mostSpecificRegistrationWins() {
        r.register(Number.class, n -> Map.of("text/plain", "number"));
        r.register(Integer.class, n -> Map.of("text/plain", "int " + n));
        assertEquals("int 3", r.render(3).get("text/plain"));
        assertEquals("number", r.render(3L).get("text/plain"));
    }

    @Test
    void plainTextFallbackAndFailingRendererDegrade() {
        assertEquals("\"hi\"", r.render("hi").get("text/plain"));
        assertEquals("[1, 2]", r.render(new int[] {1, 2}).get("text/plain"));
        r.register(StringBuilder.class, sb -> { throw new IllegalStateException("broken"); });
        assertTrue(r.render(new StringBuilder("x")).get("text/plain").startsWith("x"));
    }
}
