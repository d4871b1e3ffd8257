package orbit.magics;

import orbit.OrbitException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** `%classpath PATH...`: adds jars, class directories and globs of them (`lib/*.jar`, `libs/**.jar`) to the session. */
@Command(name = "classpath", mixinStandardHelpOptions = true,
        description = {"Add jars, class directories or globs of them to the notebook's Java session.",
                "In a terminal, prints the expanded class path."})
public final class ClasspathCommand extends Subcommand implements Runnable {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "A jar, a directory of classes, or a glob such as lib/*.jar.")
    List<String> paths;

    @Override
    public void run() {
        List<Path> entries = new ArrayList<>();
        for (String p : paths) {
            for (Path e : expand(p)) if (!entries.contains(e)) entries.add(e);
        }
        console().addToClasspath(entries);
    }

    /** The existing jars or directories {@code spec} names; a glob must match at least one. */
    static List<Path> expand(String spec) {
        if (!hasGlob(spec)) {
            Path p = Path.of(spec).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) return List.of(p);
            if (Files.isRegularFile(p) && isArchive(p)) return List.of(p);
            if (Files.isRegularFile(p)) throw new OrbitException(spec + " is not a jar or a directory of classes: pass a .jar, a .zip or a directory");
            throw new OrbitException("no such file or directory: " + spec + ": check the path (relative paths start at " + Path.of("").toAbsolutePath() + ")");
        }
        // the directory part before the first glob character is walked; the rest is matched against what is below it
        String norm = spec.replace('\\', '/');
        int firstGlob = firstGlobIndex(norm);
        int slash = norm.lastIndexOf('/', firstGlob);
        Path base = Path.of(slash < 0 ? "." : (slash == 0 ? "/" : norm.substring(0, slash))).toAbsolutePath().normalize();
        String pattern = norm.substring(slash + 1);
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(base)) {
            int depth = pattern.contains("**") ? Integer.MAX_VALUE : pattern.split("/").length;
            try (Stream<Path> walk = Files.walk(base, depth)) {
                for (Path p : walk.sorted().toList()) {
                    if (p.equals(base)) continue;
                    if (matcher.matches(base.relativize(p)) && (Files.isDirectory(p) || isArchive(p))) out.add(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + base, e);
            }
        }
        if (out.isEmpty()) throw new OrbitException("nothing matches " + spec + ": check the pattern (jars and directories only)");
        return out;
    }

    private static boolean hasGlob(String s) {
        return firstGlobIndex(s) < s.length();
    }

    private static int firstGlobIndex(String s) {
        for (int i = 0; i < s.length(); i++) if ("*?[{".indexOf(s.charAt(i)) >= 0) return i;
        return s.length();
    }

    private static boolean isArchive(Path p) {
        String n = p.getFileName().toString().toLowerCase();
        return Files.isRegularFile(p) && (n.endsWith(".jar") || n.endsWith(".zip"));
    }
}
