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
        assertTrue(m.get("text/html").contains("<table"));
        assertTrue(m.get("text/html").contains("0.25"));
        assertTrue(m.get("text/plain").startsWith("loss — 2 rows × 1 column"), m.get("text/plain"));
    }

    record Sample(String gpu, double memGib, String note) {}

    @Test
    void recordsWithoutAViewOfTheirOwnAreKeyValueTables() {
        Map<String, String> m = r.render(new Sample("0", 0.1 + 0.2, null));
        assertEquals("Sample\n  gpu     0\n  memGib  0.3\n  (not recorded: note)", m.get("text/plain"));
        assertTrue(m.get("text/html").contains("<th style=\"text-align:left;white-space:nowrap;vertical-align:top\">memGib</th>"), m.get("text/html"));
    }

    @Test
    void aRecordWithItsOwnViewKeepsIt() {
        record Status(String s) implements MimeBundle {
            public Map<String, String> mimeBundle() {
                return Map.of("text/plain", "status " + s);
            }
        }
        assertEquals("status ok", r.render(new Status("ok")).get("text/plain"));
    }

    @Test
    void bundleShowsItsLastRunThroughTheTypedReader(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        var b = new orbit.bundle.BundleRoot(tmp).create(orbit.bundle.JobSpec.builder("demo", java.util.List.of("python3", "inputs/t.py")).build());
        assertTrue(r.render(b).get("text/plain").contains("last run    not launched"), r.render(b).get("text/plain"));
        java.nio.file.Files.writeString(b.runtimeDir().resolve("last_run.json"),
                "{\"schema_version\":\"orbit.run.v1\",\"run_id\":\"r7\",\"state\":\"failed\"}");
        String text = r.render(b).get("text/plain");
        assertTrue(text.startsWith("bundle demo\n"), text);
        assertTrue(text.contains("last run    failed (run r7)"), text);
        assertTrue(text.contains("entrypoint  python3 inputs/t.py"), text);
        java.nio.file.Files.writeString(b.runtimeDir().resolve("last_run.json"), "{not json");
        assertTrue(r.render(b).get("text/plain").contains("unreadable"), r.render(b).get("text/plain"));
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
