package orbit.kernel;

import orbit.OrbitException;
import orbit.magics.CellTokenizer;
import orbit.magics.Commands;
import orbit.magics.Console;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A magic cell: each `%VERB` line runs through the `orbit` grammar (the same classes as the CLI), plus what only a
 * notebook has and the names JJava/IJava notebooks use: `%jars` (= `%classpath`), `%addMavenDependency`
 * (= `%maven`), `%addMavenRepo ID URL` (later `%maven` lines search it), `%load FILE` (runs a file of Java),
 * `%loadFromPOM POM` and the cell magic `%%loadFromPOM` (dependencies and repositories of a POM), `%lsmagic`, `%help`.
 * An unknown magic is one line that suggests the nearest name.
 */
final class NotebookMagics {
    /** Runs Java code in the session; returns an error's one-line message, or null when it ran. */
    interface JavaRunner {
        String run(String code);
    }

    /** How a magic cell ended: rc as `orbit` exit codes, and the message of the cell's error (null when ok). */
    record Result(int rc, String error) {
        static final Result OK = new Result(Commands.OK, null);
    }

    private static final Map<String, String> ALIASES = Map.of(
            "jars", "classpath",
            "addMavenDependency", "maven",
            "addMavenDependencies", "maven",
            "mavenRepo", "addMavenRepo");
    private static final List<String> OWN = List.of("help", "lsmagic", "load", "addMavenRepo", "loadFromPOM");
    static final List<String> CELL_MAGICS = List.of("loadFromPOM");

    private final Console console;
    private final JavaRunner javaRunner;
    private final Map<String, String> repositories = new java.util.LinkedHashMap<>();

    NotebookMagics(Console console, JavaRunner java) {
        this.console = console;
        this.javaRunner = java;
    }

    /** Every line magic name: the verbs of the `orbit` grammar, this class's own and the JJava names. */
    List<String> names() {
        TreeSet<String> all = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        all.addAll(Commands.commandLine(console).getSubcommands().keySet());
        all.addAll(OWN);
        all.addAll(ALIASES.keySet());
        return new ArrayList<>(all);
    }

    Result run(String code) {
        String text = code.strip();
        if (text.startsWith("%%")) {
            int nl = text.indexOf('\n');
            String first = (nl < 0 ? text : text.substring(0, nl)).substring(2).strip();
            String body = nl < 0 ? "" : text.substring(nl + 1);
            String name = first.split("\\s+", 2)[0];
            if (!CELL_MAGICS.contains(name)) {
                return fail(Commands.USAGE, "unknown cell magic %%" + name + ": the cell magics are "
                        + String.join(", ", CELL_MAGICS.stream().map(n -> "%%" + n).toList()) + " (%lsmagic lists all magics)");
            }
            return loadFromPom(body, "the cell");
        }
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) continue;
            if (!l.startsWith("%")) {
                return fail(Commands.USAGE, "a magic cell holds only %lines; put Java code in its own cell");
            }
            Result r = line(l);
            console.out().flush();
            console.err().flush();
            if (r.rc() != Commands.OK) return r;
        }
        return Result.OK;
    }

    private Result line(String l) {
        String body = l.substring(1).strip();
        String[] parts = body.split("\\s+", 2);
        String name = ALIASES.getOrDefault(parts[0], parts[0]);
        String rest = parts.length > 1 ? parts[1] : "";
        switch (name) {
            case "help", "--help", "-h":
                int rc = Commands.runMagic(console, "%--help");
                return rc == Commands.OK ? help() : exit(rc, "help", "");
            case "lsmagic":
                console.out().println("Line magics: " + String.join(" ", names().stream().map(n -> "%" + n).toList()));
                console.out().println("Cell magics: " + String.join(" ", CELL_MAGICS.stream().map(n -> "%%" + n).toList()));
                console.out().println("%VERB --help shows a magic's options.");
                return Result.OK;
            case "load":
                return load(rest);
            case "addMavenRepo":
                return addRepository(rest);
            case "loadFromPOM":
                return loadFromPomFile(rest);
            default:
                break;
        }
        if (!Commands.commandLine(console).getSubcommands().containsKey(name)) {
            String near = nearest(parts[0]);
            return fail(Commands.USAGE, "unknown magic %" + parts[0] + ": " + (near == null ? "" : "did you mean %" + near + "? ")
                    + "(%help lists them)");
        }
        String line = name + (rest.isEmpty() ? "" : " " + rest);
        if (name.equals("maven")) {
            for (String url : repositories.values()) line += " --repo " + url;
        }
        return exit(Commands.runMagic(console, line), parts[0], rest);
    }

    private static Result exit(int rc, String name, String rest) {
        if (rc == Commands.OK) return Result.OK;
        if (rc == Commands.INTERRUPTED) return new Result(rc, "%" + name + " was stopped");
        return new Result(rc, "%" + name + " failed (exit " + rc + ")");
    }

    private Result fail(int rc, String message) {
        console.err().println(message);
        console.err().flush();
        return new Result(rc, message);
    }

    /** The notebook's side of %help, after the verbs. */
    private Result help() {
        var out = console.out();
        out.println();
        out.println("In this notebook:");
        out.println("  %lsmagic                  every magic; %VERB --help shows one's options");
        out.println("  --as NAME                 binds a magic's result to a Java variable: %artifacts audit run1 --as audit");
        out.println("  display(x), displayUpdatable(x).update(y), clearOutput()   show values richly (tables, images, bundles)");
        out.println("  Java entry points         Orbit.bundle(\"demo\"), Orbit.bundles(), Bundle, BundleRoot, JobSpec,");
        out.println("                            Artifacts.of(\"demo\").metrics()/.audit()/.postmortem(), Table (Tablesaw)");
        out.println("  JJava names               %jars = %classpath, %addMavenDependency = %maven, %addMavenRepo ID URL,");
        out.println("                            %load FILE (runs Java), %loadFromPOM POM, %%loadFromPOM (POM XML in the cell)");
        out.flush();
        return Result.OK;
    }

    private Result load(String rest) {
        List<String> args = CellTokenizer.split(rest);
        if (args.size() != 1) return fail(Commands.USAGE, "%load takes one file of Java code: %load setup.jsh");
        Path file = Path.of(args.get(0));
        String code;
        try {
            code = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return fail(Commands.FAILED, "orbit: error: cannot read " + args.get(0) + ": " + e.getMessage()
                    + ": check the path (relative paths start at " + Path.of("").toAbsolutePath() + ")");
        }
        String error = javaRunner.run(code);
        return error == null ? Result.OK : new Result(Commands.FAILED, "%load " + args.get(0) + ": " + error);
    }

    private Result addRepository(String rest) {
        List<String> args = CellTokenizer.split(rest);
        if (args.isEmpty() || args.size() > 2) return fail(Commands.USAGE, "%addMavenRepo takes ID URL (or just URL): %addMavenRepo snapshots https://repo.example/maven2/");
        String url = args.get(args.size() - 1);
        String id = args.size() == 2 ? args.get(0) : url;
        if (!url.matches("(?i)(https?|file)://.+")) return fail(Commands.USAGE, "%addMavenRepo: " + url + " is not a repository URL: give http(s):// or file://");
        repositories.put(id, url);
        console.out().println("added repository " + id + " (" + url + "): %maven searches it from now on");
        return Result.OK;
    }

    private Result loadFromPomFile(String rest) {
        List<String> args = CellTokenizer.split(rest);
        if (args.size() != 1) return fail(Commands.USAGE, "%loadFromPOM takes the path of a pom.xml (or write the POM XML in a %%loadFromPOM cell)");
        try {
            return loadFromPom(Files.readString(Path.of(args.get(0)), StandardCharsets.UTF_8), args.get(0));
        } catch (IOException e) {
            return fail(Commands.FAILED, "orbit: error: cannot read " + args.get(0) + ": " + e.getMessage());
        }
    }

    /** The repositories and (compile and runtime) dependencies of a POM, or of bare {@code <dependency>} elements. */
    private Result loadFromPom(String xml, String where) {
        Pom pom;
        try {
            pom = Pom.parse(xml);
        } catch (OrbitException e) {
            return fail(Commands.USAGE, "orbit: error: " + where + " is not POM XML: " + e.getMessage());
        }
        if (pom.coordinates().isEmpty()) return fail(Commands.USAGE, "orbit: error: " + where + " names no <dependency> with groupId, artifactId and version");
        pom.repositories().forEach((id, url) -> repositories.putIfAbsent(id, url));
        StringBuilder line = new StringBuilder("maven");
        for (String c : pom.coordinates()) line.append(' ').append(c);
        for (String url : repositories.values()) line.append(" --repo ").append(url);
        return exit(Commands.runMagic(console, line.toString()), "loadFromPOM", "");
    }

    /** The nearest magic name within two edits (a swap counts one), or null. */
    String nearest(String typed) {
        String best = null;
        int bestD = 3;
        for (String n : names()) {
            int d = orbit.Spelling.distance(typed.toLowerCase(java.util.Locale.ROOT), n.toLowerCase(java.util.Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = n;
            }
        }
        return best;
    }

    /** What %loadFromPOM takes from a POM: repositories by id, and coordinates with ${properties} filled in. */
    record Pom(Map<String, String> repositories, List<String> coordinates) {
        private static final Pattern PROPERTY = Pattern.compile("\\$\\{([^}]+)}");

        static Pom parse(String xml) {
            String text = xml.strip();
            if (text.startsWith("<?xml")) text = text.substring(text.indexOf("?>") + 2);
            // bare <dependency>/<repository> elements, as JJava accepts them, get a root
            if (!text.contains("<project")) text = "<project>" + text + "</project>";
            Document doc;
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                f.setExpandEntityReferences(false);
                doc = f.newDocumentBuilder().parse(new org.xml.sax.InputSource(new StringReader(text)));
            } catch (Exception e) {
                throw new OrbitException(String.valueOf(e.getMessage()).lines().findFirst().orElse("unreadable"));
            }
            Map<String, String> props = new HashMap<>();
            for (Element p : elements(doc.getDocumentElement(), "properties")) {
                NodeList kids = p.getChildNodes();
                for (int i = 0; i < kids.getLength(); i++) {
                    if (kids.item(i) instanceof Element e) props.put(e.getTagName(), e.getTextContent().strip());
                }
            }
            Map<String, String> repos = new java.util.LinkedHashMap<>();
            for (Element r : elements(doc.getDocumentElement(), "repository")) {
                String url = child(r, "url", props);
                if (url != null) repos.put(child(r, "id", props) == null ? url : child(r, "id", props), url);
            }
            List<String> coords = new ArrayList<>();
            for (Element d : elements(doc.getDocumentElement(), "dependency")) {
                if (d.getParentNode() instanceof Element parent && parent.getParentNode() instanceof Element gp
                        && gp.getTagName().equals("dependencyManagement")) continue;
                String scope = child(d, "scope", props);
                if (scope != null && !scope.equals("compile") && !scope.equals("runtime")) continue;
                String g = child(d, "groupId", props);
                String a = child(d, "artifactId", props);
                String v = child(d, "version", props);
                if (g == null || a == null || v == null) continue;
                String type = child(d, "type", props);
                String classifier = child(d, "classifier", props);
                String ext = type == null ? "jar" : type;
                coords.add(g + ":" + a + (classifier != null ? ":" + ext + ":" + classifier : type != null ? ":" + ext : "") + ":" + v);
            }
            return new Pom(repos, coords);
        }

        private static List<Element> elements(Element root, String tag) {
            List<Element> out = new ArrayList<>();
            NodeList nl = root.getElementsByTagName(tag);
            for (int i = 0; i < nl.getLength(); i++) out.add((Element) nl.item(i));
            return out;
        }

        private static String child(Element e, String tag, Map<String, String> props) {
            for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element c && c.getTagName().equals(tag)) {
                    String v = c.getTextContent().strip();
                    Matcher m = PROPERTY.matcher(v);
                    StringBuilder sb = new StringBuilder();
                    while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(props.getOrDefault(m.group(1), m.group())));
                    m.appendTail(sb);
                    return sb.toString();
                }
            }
            return null;
        }
    }
}
