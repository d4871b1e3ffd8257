package orbit.kernel.jshell;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Javadoc of ORBIT's own API for inspect (Shift-Tab). JShell finds javadoc only in the JDK's src.zip, so core ships
 * its sources as resources under {@value #ROOT}; this parses the one file a signature names (javac's public tree
 * API, parse only) and returns the doc comment of the member with that name and parameter types. Parsed files are
 * kept: a notebook inspects the same few classes again and again.
 */
final class ApiDocs {
    static final String ROOT = "orbit-sources/";

    /** The packages a simple class name is looked up in: ORBIT's, as the kernel imports them. */
    private final List<String> packages;
    private final Map<String, Map<String, String>> byFile = new ConcurrentHashMap<>();

    ApiDocs(List<String> imports) {
        List<String> p = new ArrayList<>();
        p.add("orbit");
        for (String i : imports) {
            if (i.startsWith("orbit.") && i.endsWith(".*")) p.add(i.substring(0, i.length() - 2));
        }
        this.packages = List.copyOf(p);
    }

    /** "Artifacts Artifacts.of(Bundle bundle)" → Artifacts, of, [Bundle]; "orbit.artifacts.Artifacts" → the class. */
    private static final Pattern METHOD = Pattern.compile("(?:.*\\s)?([\\w.$]+)\\.(\\w+|<init>)\\((.*)\\)\\s*(?:throws .*)?");
    private static final Pattern TYPE = Pattern.compile("(?:[\\w\\s]*\\s)?([\\w.$]+)(?:<.*>)?");
    private static final Pattern FIELD = Pattern.compile("(?:.*\\s)?([\\w.$]+)\\.(\\w+)");

    /** The doc comment for a JShell documentation signature, when it names ORBIT's API. */
    Optional<String> javadoc(String signature) {
        String s = signature.strip();
        Matcher m = METHOD.matcher(s);
        if (m.matches()) return member(m.group(1), m.group(2), paramTypes(m.group(3)));
        m = FIELD.matcher(s);
        if (m.matches()) {
            Optional<String> field = member(m.group(1), m.group(2), null);
            if (field.isPresent()) return field;
        }
        m = TYPE.matcher(s);
        if (m.matches()) return member(m.group(1), null, null);
        return Optional.empty();
    }

    private static List<String> paramTypes(String params) {
        List<String> types = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : (params + ",").toCharArray()) {
            if (c == '<') depth++;
            if (c == '>') depth--;
            if (c == ',' && depth == 0) {
                String p = cur.toString().strip();
                if (!p.isEmpty()) {
                    int sp = p.lastIndexOf(' ');
                    types.add(simple(sp < 0 ? p : p.substring(0, sp)));
                }
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        return types;
    }

    /** Simple name, without type arguments or package: java.util.List<java.lang.String> → List. */
    static String simple(String type) {
        String t = type.strip();
        int lt = t.indexOf('<');
        if (lt >= 0) t = t.substring(0, lt) + t.substring(t.lastIndexOf('>') + 1);
        t = t.replace("...", "[]");
        int dot = t.lastIndexOf('.');
        return dot < 0 ? t : t.substring(dot + 1);
    }

    /** {@code member} null: the class's own comment; {@code params} null: a field (or any member of that name). */
    private Optional<String> member(String type, String member, List<String> params) {
        String[] parts = type.split("\\.");
        // the outermost class is the first capitalised segment: orbit.artifacts.Postmortem.Cause → Postmortem
        int outer = 0;
        while (outer < parts.length && !Character.isUpperCase(parts[outer].charAt(0))) outer++;
        if (outer == parts.length) return Optional.empty();
        String pkg = String.join(".", java.util.Arrays.copyOfRange(parts, 0, outer));
        String nested = String.join(".", java.util.Arrays.copyOfRange(parts, outer, parts.length));
        List<String> candidates = pkg.isEmpty() ? packages : List.of(pkg);
        for (String p : candidates) {
            if (!p.equals("orbit") && !p.startsWith("orbit.")) continue;
            Map<String, String> docs = docsOf(p.replace('.', '/') + "/" + parts[outer] + ".java");
            if (docs.isEmpty()) continue;
            String key = nested + (member == null ? "" : "#" + (member.equals("<init>") ? parts[parts.length - 1] : member));
            if (params != null) {
                String doc = docs.get(key + "(" + String.join(",", params) + ")");
                if (doc != null) return Optional.of(doc);
            }
            if (member != null) {
                // a field, or the one method of that name whatever its parameters
                String only = docs.get(key);
                if (only != null) return Optional.of(only);
            } else {
                String doc = docs.get(key);
                if (doc != null) return Optional.of(doc);
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    private Map<String, String> docsOf(String file) {
        return byFile.computeIfAbsent(file, f -> {
            try (InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(ROOT + f)) {
                if (in == null) return Map.of();
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                return Map.of();
            }
        });
    }

    /**
     * Doc comments by key: "Outer", "Outer.Inner", "Outer#method(Type,Type)", "Outer#field", and "Outer#method" when
     * that name is not overloaded.
     */
    static Map<String, String> parse(String source) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Api.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        JavacTask task = (JavacTask) javac.getTask(null, null, d -> { }, List.of("-proc:none"), null, List.of(file));
        Trees trees = Trees.instance(task);
        Map<String, String> out = new ConcurrentHashMap<>();
        Map<String, Integer> names = new ConcurrentHashMap<>();
        for (CompilationUnitTree unit : task.parse()) {
            new TreePathScanner<Void, String>() {
                @Override
                public Void visitClass(ClassTree node, String outer) {
                    String name = outer == null ? node.getSimpleName().toString() : outer + "." + node.getSimpleName();
                    TreePath here = getCurrentPath(); // scanning a nested class below resets the scanner's own path
                    put(name, here);
                    for (Tree member : node.getMembers()) {
                        TreePath path = new TreePath(here, member);
                        if (member instanceof MethodTree mt) {
                            String mname = mt.getName().contentEquals("<init>") ? node.getSimpleName().toString() : mt.getName().toString();
                            List<String> types = mt.getParameters().stream().map(v -> simple(v.getType().toString())).toList();
                            put(name + "#" + mname + "(" + String.join(",", types) + ")", path);
                            names.merge(name + "#" + mname, 1, Integer::sum);
                            String doc = trees.getDocComment(path);
                            if (doc != null) out.putIfAbsent(name + "#" + mname + "\u0000", doc);
                        } else if (member instanceof VariableTree vt) {
                            put(name + "#" + vt.getName(), path);
                        } else if (member instanceof ClassTree) {
                            scan(path, name);
                        }
                    }
                    // record components have no tree of their own with a comment: the class comment covers them
                    return null;
                }

                private void put(String key, TreePath path) {
                    String doc = trees.getDocComment(path);
                    if (doc != null && !doc.isBlank()) out.put(key, clean(doc));
                }
            }.scan(new TreePath(unit), null);
        }
        // an unambiguous method name answers without its parameter types
        for (Map.Entry<String, Integer> e : names.entrySet()) {
            String raw = out.remove(e.getKey() + "\u0000");
            if (e.getValue() == 1 && raw != null) out.putIfAbsent(e.getKey(), clean(raw));
        }
        out.keySet().removeIf(k -> k.endsWith("\u0000"));
        return Map.copyOf(out);
    }

    /** The comment as a reader wants it in a pager: HTML tags and {@code {@link X}} reduced to their text. */
    static String clean(String doc) {
        String s = doc.replaceAll("\\{@(?:link|linkplain|code|literal|value)\\s+([^}]*)}", "$1")
                .replaceAll("(?i)</?(p|b|i|em|code|pre|ul|ol|li|br)\\s*/?>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        return s.lines().map(String::stripTrailing).reduce((a, b) -> a + "\n" + b).orElse("").strip();
    }
}
