package orbit.magics;

import orbit.bundle.Bundle;
import orbit.launch.LaunchOptions;
import orbit.launch.ScriptGenerator;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run once by install/setup under {@code -XX:ArchiveClassesAtExit}: it walks the path of `orbit bundle new` and of
 * `orbit launch` up to the start (the verbs' grammar, job.json read and written, the launch scripts generated), so the
 * archive holds those classes already parsed and verified and the installed launcher's JVM starts from it. It works
 * in a temporary directory that it removes, and starts no run.
 */
public final class ClassArchiveWarmUp {
    private ClassArchiveWarmUp() {}

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("orbit-class-archive-");
        Console quiet = new TerminalConsole(new PrintWriter(Writer.nullWriter()), new PrintWriter(Writer.nullWriter()));
        try {
            String root = dir.resolve("bundles").toString();
            Commands.run(quiet, List.of("--root", root, "bundle", "new", "warm-up", "--python", "python3", "--", "python3", "-c", "pass"));
            Commands.run(quiet, List.of("--root", root, "launch", "status", "warm-up"));
            Commands.run(quiet, List.of("--root", root, "bundle", "list"));
            Bundle b = Bundle.open(dir.resolve("bundles").resolve("warm-up"));
            ScriptGenerator.generate(b, new ScriptGenerator.Plan("00000000T000000Z-0000", "local", LaunchOptions.defaults()));
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
