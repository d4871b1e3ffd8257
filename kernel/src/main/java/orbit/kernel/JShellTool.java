package orbit.kernel;

import jdk.jshell.tool.JavaShellToolBuilder;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.prefs.BackingStoreException;
import java.util.prefs.Preferences;

/**
 * Plain JShell ({@code orbit-jshell}) in the feedback mode "orbit": JShell's normal mode without its 1,000-character
 * cut of values, so a post-mortem or a table prints whole. JShell reads feedback modes only from its persisted
 * settings, never from a startup script; the mode is made once by JShell itself (non-interactively, kept in a cache
 * file per Java version) and handed to the interactive tool over the user's own JShell settings, which keep their
 * history. A user who retained feedback modes of their own keeps them, and chooses with --feedback.
 */
public final class JShellTool {
    static final String MODE = "orbit";
    static final int TRUNCATION = 1_000_000;
    private static final String PREFS_NODE = "tool/JShell";

    private JShellTool() {}

    public static void main(String[] args) throws Exception {
        Preferences user = Preferences.userRoot().node(PREFS_NODE);
        Map<String, String> mode = user.get("MODE2", null) == null && user.get("MODE", null) == null ? modeSettings() : Map.of();
        List<String> a = new ArrayList<>(List.of(args));
        boolean chosen = a.stream().anyMatch(x -> x.equals("-q") || x.equals("-s") || x.equals("-v") || x.startsWith("--feedback"));
        if (!chosen && !mode.isEmpty()) a.addAll(0, List.of("--feedback", MODE));
        // snippets run in JShell's usual separate JVM, whose runner shows tables and records as a notebook does
        if (a.stream().noneMatch(x -> x.equals("--execution") || x.startsWith("--execution="))) {
            a.addAll(0, List.of("--execution", "jdi:remoteAgent(" + JShellRunner.class.getName() + ")"));
        }
        int code = JavaShellToolBuilder.builder().persistence(new Overlay(user, mode)).start(a.toArray(new String[0]));
        System.exit(code);
    }

    /** The persisted keys that define mode "orbit": from the cache, else made now by a non-interactive JShell. */
    static Map<String, String> modeSettings() {
        Path cache = cacheFile();
        Properties p = new Properties();
        if (cache != null && Files.isRegularFile(cache)) {
            try (InputStream in = Files.newInputStream(cache)) {
                p.load(in);
                Map<String, String> m = new HashMap<>();
                p.forEach((k, v) -> m.put(k.toString(), v.toString()));
                if (!m.isEmpty()) return m;
            } catch (IOException | IllegalArgumentException e) {
                // remade below
            }
        }
        Map<String, String> made = make();
        if (cache != null && !made.isEmpty()) {
            try {
                Files.createDirectories(cache.getParent());
                made.forEach(p::setProperty);
                Path tmp = Files.createTempFile(cache.getParent(), ".jshell-mode", ".tmp");
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    p.store(out, "JShell feedback mode '" + MODE + "' for orbit-jshell, made by JShell " + Runtime.version());
                }
                Files.move(tmp, cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // no cache: made again next time
            }
        }
        return made;
    }

    /** Runs JShell once without a terminal to define and retain the mode, and returns what it persisted. */
    static Map<String, String> make() {
        Map<String, String> store = new HashMap<>();
        String commands = "/set mode " + MODE + " normal -quiet\n"
                + "/set truncation " + MODE + " " + TRUNCATION + " varvalue,expression\n"
                + "/set mode " + MODE + " -retain\n/exit\n";
        PrintStream none = new PrintStream(OutputStream.nullOutputStream());
        try {
            JavaShellToolBuilder.builder().persistence(store)
                    .in(new ByteArrayInputStream(commands.getBytes(StandardCharsets.UTF_8)), null)
                    .out(none).err(none)
                    .run("--no-startup", "--execution", "local", "-q");
        } catch (Exception e) {
            return Map.of(); // plain JShell modes then: values cut at 1,000 characters, nothing worse
        }
        Map<String, String> mode = new HashMap<>();
        store.forEach((k, v) -> {
            if (k.startsWith("MODE")) mode.put(k, v);
        });
        return mode;
    }

    /** ${XDG_STATE_HOME:-~/.local/state}/orbit/jshell-mode-JAVAVERSION.properties (the encoding is JShell's own). */
    static Path cacheFile() {
        String state = System.getenv("XDG_STATE_HOME");
        String home = System.getProperty("user.home");
        Path dir = state != null && !state.isBlank() ? Path.of(state) : home == null ? null : Path.of(home, ".local", "state");
        return dir == null ? null : dir.resolve("orbit").resolve("jshell-mode-" + Runtime.version().feature() + "-"
                + Runtime.version().toString().replaceAll("[^A-Za-z0-9._-]", "_") + ".properties");
    }

    /** The user's JShell settings (history and all), with the mode keys read from {@code mode} instead. */
    static final class Overlay extends AbstractMap<String, String> {
        private final Preferences user;
        private final Map<String, String> mode;

        Overlay(Preferences user, Map<String, String> mode) {
            this.user = user;
            this.mode = new HashMap<>(mode);
        }

        @Override
        public String get(Object key) {
            String k = String.valueOf(key);
            return mode.containsKey(k) ? mode.get(k) : user.get(k, null);
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public String put(String key, String value) {
            String old = get(key);
            if (mode.containsKey(key)) mode.put(key, value);
            else user.put(key, value);
            return old;
        }

        @Override
        public String remove(Object key) {
            String old = get(key);
            String k = String.valueOf(key);
            if (mode.remove(k) == null) user.remove(k);
            return old;
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            Set<String> keys = new LinkedHashSet<>(mode.keySet());
            try {
                keys.addAll(List.of(user.keys()));
            } catch (BackingStoreException e) {
                // the user's settings cannot be listed: the mode alone
            }
            Set<Entry<String, String>> out = new LinkedHashSet<>();
            for (String k : keys) {
                String v = get(k);
                if (v != null) out.add(new SimpleImmutableEntry<>(k, v));
            }
            return out;
        }
    }
}
