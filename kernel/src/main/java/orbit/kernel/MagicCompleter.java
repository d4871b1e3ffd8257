package orbit.kernel;

import orbit.bundle.BundleRoot;
import orbit.magics.CellTokenizer;
import orbit.magics.Commands;
import orbit.magics.Console;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Completes a magic line from picocli's model of {@code OrbitCommand}: verbs and sub-verbs, the options of the
 * deepest command typed so far, and bundle names under the bundle root. Nothing is listed by hand, so commands
 * added to the grammar complete without touching the kernel.
 */
final class MagicCompleter {
    record Result(List<String> matches, int start) {}

    private final Console console;
    private final NotebookMagics magics;

    MagicCompleter(Console console, NotebookMagics magics) {
        this.console = console;
        this.magics = magics;
    }

    /** Names of the top-level magics: the `orbit` verbs, %help, %lsmagic and the JJava names. */
    List<String> magicNames() {
        return magics.names();
    }

    /** {@code line} is the text from the '%' to the cursor; {@code lineStart} its offset in the cell. */
    Result complete(String line, int lineStart) {
        String body = line.startsWith("%%") ? line.substring(2) : line.substring(1);
        int wordStart = body.length();
        while (wordStart > 0 && !Character.isWhitespace(body.charAt(wordStart - 1))) wordStart--;
        String word = body.substring(wordStart);
        List<String> before;
        try {
            before = CellTokenizer.split(body.substring(0, wordStart));
        } catch (RuntimeException e) {
            return new Result(List.of(), lineStart + (line.length() - body.length()) + wordStart);
        }
        int start = lineStart + (line.length() - body.length()) + wordStart;
        TreeSet<String> out = new TreeSet<>();
        if (before.isEmpty()) {
            for (String n : line.startsWith("%%") ? NotebookMagics.CELL_MAGICS : magicNames()) if (n.startsWith(word)) out.add(n);
            return new Result(new ArrayList<>(out), start);
        }
        CommandLine cl = Commands.commandLine(console);
        CommandSpec spec = cl.getCommandSpec();
        for (String tok : before) {
            CommandLine sub = spec.subcommands().get(tok);
            if (sub != null) spec = sub.getCommandSpec();
        }
        if (word.startsWith("-")) {
            for (OptionSpec o : spec.options()) {
                for (String n : o.names()) if (n.startsWith(word)) out.add(n);
            }
        } else {
            for (String n : spec.subcommands().keySet()) if (n.startsWith(word)) out.add(n);
            if (out.isEmpty() || spec.subcommands().isEmpty()) out.addAll(bundleNames(word));
        }
        return new Result(new ArrayList<>(out), start);
    }

    private List<String> bundleNames(String prefix) {
        List<String> names = new ArrayList<>();
        Path root;
        try {
            root = BundleRoot.resolve(null).dir();
        } catch (RuntimeException e) {
            return names;
        }
        if (!Files.isDirectory(root)) return names;
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> Files.isRegularFile(p.resolve("job.json")))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix))
                    .sorted()
                    .forEach(names::add);
        } catch (IOException e) {
            // an unreadable root completes nothing
        }
        return names;
    }
}
