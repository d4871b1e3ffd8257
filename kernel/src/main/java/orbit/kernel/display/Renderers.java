package orbit.kernel.display;

import orbit.bundle.Bundle;
import orbit.display.MimeBundle;
import orbit.display.RecordView;
import orbit.display.TableHtml;
import orbit.display.TableView;
import orbit.launch.LastRun;
import tech.tablesaw.api.Table;

import javax.imageio.ImageIO;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Renders values to MIME bundles, chosen by the value's type hierarchy: the most specific registered class wins,
 * then interfaces; plain text is the fallback. New types plug in with {@link #register}, never an instanceof chain.
 */
public final class Renderers {
    private final Map<Class<?>, Function<Object, Map<String, String>>> byType = new ConcurrentHashMap<>();
    private final Map<Class<?>, Function<Object, Map<String, String>>> resolved = new ConcurrentHashMap<>();

    public static Renderers standard() {
        Renderers r = new Renderers();
        r.register(MimeBundle.class, MimeBundle::mimeBundle);
        r.register(Table.class, t -> Map.of("text/html", TableView.html(t), "text/plain", TableView.text(t)));
        // any record without a view of its own: a small key/value table (a record class is found before its interfaces)
        r.register(Record.class, v -> v instanceof MimeBundle m ? m.mimeBundle() : RecordView.of(v));
        r.register(RenderedImage.class, img -> Map.of("image/png", png(img), "text/plain", "image " + img.getWidth() + "x" + img.getHeight()));
        r.register(Bundle.class, Renderers::bundle);
        return r;
    }

    @SuppressWarnings("unchecked")
    public <T> void register(Class<T> type, Function<? super T, Map<String, String>> renderer) {
        byType.put(type, v -> renderer.apply((T) v));
        resolved.clear();
    }

    /** MIME type → content; always has "text/plain". */
    public Map<String, String> render(Object value) {
        if (value == null) return Map.of("text/plain", "null");
        Function<Object, Map<String, String>> f = resolved.computeIfAbsent(value.getClass(), this::lookup);
        Map<String, String> out = new LinkedHashMap<>();
        if (f != null) {
            try {
                Map<String, String> m = f.apply(value);
                if (m != null) out.putAll(m);
            } catch (RuntimeException e) {
                out.put("text/plain", plainText(value) + "\n(rich display failed: " + e + ")");
            }
        }
        out.putIfAbsent("text/plain", plainText(value));
        return out;
    }

    private Function<Object, Map<String, String>> lookup(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            Function<Object, Map<String, String>> f = byType.get(k);
            if (f != null) return f;
        }
        List<Class<?>> queue = new ArrayList<>();
        for (Class<?> k = c; k != null; k = k.getSuperclass()) queue.addAll(List.of(k.getInterfaces()));
        for (int i = 0; i < queue.size(); i++) {
            Function<Object, Map<String, String>> f = byType.get(queue.get(i));
            if (f != null) return f;
            queue.addAll(List.of(queue.get(i).getInterfaces()));
        }
        return null;
    }

    /** The text a value shows as: Java literal form for strings and chars, like JShell. */
    public static String plainText(Object value) {
        if (value instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        if (value instanceof Character ch) return "'" + ch + "'";
        if (value != null && value.getClass().isArray()) {
            if (value instanceof Object[] a) return java.util.Arrays.deepToString(a);
            if (value instanceof int[] a) return java.util.Arrays.toString(a);
            if (value instanceof long[] a) return java.util.Arrays.toString(a);
            if (value instanceof double[] a) return java.util.Arrays.toString(a);
            if (value instanceof float[] a) return java.util.Arrays.toString(a);
            if (value instanceof byte[] a) return java.util.Arrays.toString(a);
            if (value instanceof boolean[] a) return java.util.Arrays.toString(a);
            if (value instanceof char[] a) return java.util.Arrays.toString(a);
            if (value instanceof short[] a) return java.util.Arrays.toString(a);
        }
        return String.valueOf(value);
    }

    static String png(RenderedImage img) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }

    /** A bundle's summary: name, where it is, its entrypoint and the last run state on disk (through {@link LastRun}). */
    static Map<String, String> bundle(Bundle b) {
        String state;
        try {
            state = LastRun.read(b.runtimeDir())
                    .map(r -> (r.state() == null ? "unknown" : r.state().wire()) + " (run " + (r.runId() == null ? "?" : r.runId()) + ")")
                    .orElse("not launched");
        } catch (RuntimeException e) {
            state = e.getMessage();
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", b.path());
        f.put("entrypoint", String.join(" ", b.job().entrypoint().argv()));
        f.put("last run", state);
        return RecordView.of("bundle " + b.name(), f);
    }
}
