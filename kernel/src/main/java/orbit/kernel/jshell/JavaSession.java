package orbit.kernel.jshell;

import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's JShell: evaluates cells in this JVM, completes, documents, judges completeness.
 * Not thread-safe except {@link #stop()}, which an interrupt calls from another thread.
 */
public final class JavaSession implements AutoCloseable {
    /** Imported into every session and into the plain-JShell startup file. */
    public static final List<String> DEFAULT_IMPORTS = List.of(
            "java.util.*", "java.util.function.*", "java.util.stream.*", "java.nio.file.*", "java.io.*",
            "java.time.*", "orbit.Orbit", "orbit.OrbitException", "orbit.bundle.*", "orbit.display.*", "orbit.artifacts.*", "orbit.launch.*", "orbit.nvml.*",
            "tech.tablesaw.api.*");

    /** Dead snippets (overwritten, dropped, old $N values) that trigger a consolidation. */
    static final int CONSOLIDATE_AFTER = Integer.getInteger("orbit.kernel.consolidateAfter", 300);
    static final int KEEP_TEMP_VARS = 20;

    private volatile JShell shell;
    private volatile InProcessExecutionControl control;
    private SourceCodeAnalysis analysis;
    private final List<String> imports = new ArrayList<>();
    private final String classPath;
    private final SessionJars jars = new SessionJars();
    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final List<String> notices = new ArrayList<>();
    private int nextCheck = CONSOLIDATE_AFTER;
    private int consolidations;

    public JavaSession(String classPath, PrintStream out, PrintStream err, InputStream in) {
        this.classPath = classPath;
        this.out = out;
        this.err = err;
        this.in = in;
        build();
        for (String pkg : DEFAULT_IMPORTS) {
            if (importable(pkg)) {
                String stmt = "import " + pkg + ";";
                List<SnippetEvent> ev = shell.eval(stmt);
                if (!ev.isEmpty() && ev.get(0).status() == Snippet.Status.VALID) imports.add(pkg);
            }
        }
    }

    /** The classpath this JVM was started with (the kernel jars), as JShell should see it. */
    public static String ownClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path", "");
    }

    /** True when this classpath holds the package of a wildcard import ("orbit.nvml.*") or the type of a single one ("orbit.Orbit"). */
    public static boolean importable(String imported) {
        if (imported.startsWith("java.")) return true;
        String path = imported.endsWith(".*")
                ? imported.substring(0, imported.length() - 2).replace('.', '/')
                : imported.replace('.', '/') + ".class";
        return ClassLoader.getSystemClassLoader().getResource(path) != null
                || Thread.currentThread().getContextClassLoader() != null
                && Thread.currentThread().getContextClassLoader().getResource(path) != null;
    }

    private void build() {
        InProcessExecutionControl.Provider provider = new InProcessExecutionControl.Provider(jars);
        JShell js = JShell.builder()
                .executionEngine(provider, java.util.Map.of())
                .out(out).err(err).in(in)
                .compilerOptions("-Xlint:none", "-proc:none")
                .fileManager(IndexKeepingFileManager::new)
                .build();
        String extra = classPathBeyondJvm(classPath, jars.entries());
        if (!extra.isEmpty()) js.addToClasspath(extra);
        this.shell = js;
        this.control = provider.control();
        this.analysis = js.sourceCodeAnalysis();
    }

    /**
     * What JShell's compiler must add to the class path it starts with (this JVM's {@code java.class.path}): the
     * entries of {@code classPath} and the session's added jars that it lacks, as one path. Entries already there
     * are left out, as each one more jar on javac's class path is one more place every lookup searches; one call
     * instead of one per entry, as JShell re-reads its whole class path on each.
     */
    static String classPathBeyondJvm(String classPath, List<String> added) {
        Set<String> have = new HashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) if (!e.isBlank()) have.add(e);
        LinkedHashSet<String> extra = new LinkedHashSet<>();
        for (String e : classPath.split(File.pathSeparator)) if (!e.isBlank() && !have.contains(e)) extra.add(e);
        for (String e : added) if (!have.contains(e)) extra.add(e);
        return String.join(File.pathSeparator, extra);
    }

    /**
     * Every live {@code $N} value is one more static import in the wrapper of each later snippet, which JShell
     * compiles three times per cell: after 100 evaluated expressions a trivial cell costs about 3x what it did
     * in a fresh session. So only the newest {@link #KEEP_TEMP_VARS} values stay live (as consolidation keeps
     * them), except those another live snippet names. Returns how many were dropped.
     */
    public int retireOldValues() {
        List<VarSnippet> temps = new ArrayList<>();
        List<Snippet> others = new ArrayList<>();
        shell.snippets().filter(sn -> shell.status(sn).isActive()).forEach(sn -> {
            if (sn instanceof VarSnippet v && v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND) temps.add(v);
            else others.add(sn);
        });
        if (temps.size() <= KEEP_TEMP_VARS) return 0;
        Set<String> named = new HashSet<>();
        for (Snippet sn : others) valueNames(sn.source(), named);
        for (VarSnippet t : temps) if (t.source() != null) valueNames(t.source(), named);
        int dropped = 0;
        for (VarSnippet t : temps.subList(0, temps.size() - KEEP_TEMP_VARS)) {
            if (named.contains(t.name())) continue;
            shell.drop(t);
            dropped++;
        }
        return dropped;
    }

    private static final Pattern VALUE_NAME = Pattern.compile("(?<![\\w$])\\$\\d+(?![\\w$])");

    private static void valueNames(String source, Set<String> into) {
        if (source.indexOf('$') < 0) return;
        Matcher m = VALUE_NAME.matcher(source);
        while (m.find()) into.add(m.group());
    }

    /**
     * JShell compiles each snippet against every class it ever generated, so a long session slows down
     * (a trivial cell goes from ~7 ms to ~80 ms after 1,000 cells). When enough snippets are dead (overwritten
     * declarations, old $N values), start a fresh JShell and carry the live state over: imports and methods by
     * source, variables by value (the same objects, retyped). Sessions that define classes are left alone,
     * because their instances cannot move to a fresh class loader. The jars the session added stay on the class
     * path, in the same class loader (so a live value of their types is the same class as a new one). When some
     * state does not carry over, nothing changes and the cell's output says so. Returns true when it consolidated.
     */
    public boolean maybeConsolidate() {
        int total = (int) shell.snippets().count();
        if (total < nextCheck) return false;
        nextCheck = total + CONSOLIDATE_AFTER;
        List<Snippet> active = shell.snippets().filter(sn -> shell.status(sn).isActive()).toList();
        if (active.stream().anyMatch(sn -> sn.kind() == Snippet.Kind.TYPE_DECL)) return false;
        List<jdk.jshell.ImportSnippet> imps = new ArrayList<>();
        List<jdk.jshell.MethodSnippet> methods = new ArrayList<>();
        List<VarSnippet> vars = new ArrayList<>();
        List<VarSnippet> temps = new ArrayList<>();
        for (Snippet sn : active) {
            if (sn instanceof jdk.jshell.ImportSnippet i) imps.add(i);
            else if (sn instanceof jdk.jshell.MethodSnippet m) methods.add(m);
            else if (sn instanceof VarSnippet v) (v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND ? temps : vars).add(v);
        }
        // retireOldValues already dropped the old $N values nothing names; the ones left are all carried
        List<VarSnippet> carried = new ArrayList<>(vars);
        carried.addAll(temps);
        if (total - imps.size() - methods.size() - carried.size() < CONSOLIDATE_AFTER / 2) return false;
        Object[] values;
        if (carried.isEmpty()) {
            values = new Object[0];
        } else {
            StringBuilder grab = new StringBuilder("new Object[] {");
            for (int i = 0; i < carried.size(); i++) grab.append(i == 0 ? "" : ", ").append(carried.get(i).name());
            grab.append("}");
            List<SnippetEvent> ev = shell.eval(grab.toString());
            if (ev.isEmpty() || ev.get(0).status() != Snippet.Status.VALID || !control.hasValue()) return false;
            values = (Object[]) control.takeValue().orElse(null);
            if (values == null) return false;
        }
        JShell old = shell;
        InProcessExecutionControl oldControl = control;
        SourceCodeAnalysis oldAnalysis = analysis;
        build();
        String failed = null;
        for (jdk.jshell.ImportSnippet i : imps) if (failed == null && !valid(shell.eval(i.source()))) failed = "`" + i.source().strip() + "`";
        for (int i = 0; failed == null && i < carried.size(); i++) {
            VarSnippet v = carried.get(i);
            String key = Bindings.put(values[i]);
            String type = v.typeName();
            if (!valid(shell.eval(type + " " + v.name() + " = (" + type + ") orbit.kernel.jshell.Bindings.take(\"" + key + "\");"))) {
                Bindings.take(key);
                // the declared type is not nameable here (an anonymous class, an intersection): the same object, as its nearest public type
                String fallback = accessibleType(values[i] == null ? Object.class : values[i].getClass());
                if (!valid(shell.eval(fallback + " " + v.name() + " = (" + fallback + ") orbit.kernel.jshell.Bindings.take(\""
                        + Bindings.put(values[i]) + "\");"))) failed = "variable " + v.name() + " (" + type + ")";
            }
        }
        for (jdk.jshell.MethodSnippet m : methods) if (failed == null && !valid(shell.eval(m.source()))) failed = "method " + m.name();
        if (failed != null) {
            shell.close();
            shell = old;
            control = oldControl;
            analysis = oldAnalysis;
            nextCheck = Integer.MAX_VALUE; // this session's state does not carry over; keep it as it is, and say so once
            notices.add("note: this session could not be compacted because " + failed + " does not carry over to a fresh JShell;"
                    + " every value is kept as it was, but later cells may get slower: restart the kernel to make them fast again");
            return false;
        }
        old.close();
        nextCheck = snippetCount() + CONSOLIDATE_AFTER; // counted in the fresh shell from now on
        consolidations++;
        return true;
    }

    private static boolean valid(List<SnippetEvent> ev) {
        for (SnippetEvent e : ev) {
            if (e.causeSnippet() == null && (e.status() == Snippet.Status.REJECTED || e.exception() != null)) return false;
        }
        return true;
    }

    public int consolidations() {
        return consolidations;
    }

    public List<String> imports() {
        return List.copyOf(imports);
    }

    /**
     * Lines about what the last cells did to earlier declarations behind the user's back (a variable reset or
     * made unusable by a redefined class or a new import, a session that could not be compacted); each is
     * returned once.
     */
    public List<String> takeNotices() {
        List<String> n = List.copyOf(notices);
        notices.clear();
        return n;
    }

    /**
     * One line for an update event (JShell recompiling an earlier declaration because of this cell) that took a
     * live value away or made a declaration unusable; null for updates that change nothing the user holds.
     * Plain JShell prints these ("update modified variable runs, reset to null"); a notebook must not hide them.
     */
    private String updateNotice(SnippetEvent e) {
        Snippet s = e.snippet();
        if (!e.previousStatus().isActive() || e.status() == Snippet.Status.OVERWRITTEN) return null; // replaced by a same-named declaration
        String why = cause(e.causeSnippet());
        if (s instanceof VarSnippet v) {
            String name = v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND ? "value " + v.name() : "variable " + v.name();
            return switch (e.status()) {
                case VALID -> "warning: " + name + " was reset to " + currentValue(v) + " because " + why
                        + "; its old value is gone: run its declaration again";
                case RECOVERABLE_DEFINED, RECOVERABLE_NOT_DEFINED -> "warning: " + name + " lost its value and cannot be used"
                        + unusableUntil(s) + " because " + why;
                default -> "warning: " + name + " was dropped because " + why;
            };
        }
        if (e.previousStatus() == Snippet.Status.VALID && e.status() != Snippet.Status.VALID
                && s instanceof jdk.jshell.DeclarationSnippet d) {
            String what = s instanceof jdk.jshell.MethodSnippet m ? "method " + m.name() + "(" + m.parameterTypes() + ")" : "type " + d.name();
            return "warning: " + what + " cannot be used" + unusableUntil(s) + " because " + why;
        }
        return null;
    }

    private static String cause(Snippet c) {
        if (c == null) return "of an earlier change";
        if (c instanceof jdk.jshell.ImportSnippet) return "this cell's `" + c.source().strip() + "` changed what a name in its declaration means";
        if (c instanceof jdk.jshell.TypeDeclSnippet t) return "this cell redefined type " + t.name();
        if (c instanceof jdk.jshell.MethodSnippet m) return "this cell redefined method " + m.name();
        if (c instanceof VarSnippet v) return "this cell redeclared variable " + v.name();
        return "this cell changed a declaration it depends on";
    }

    private String unusableUntil(Snippet s) {
        List<String> missing = shell.unresolvedDependencies((jdk.jshell.DeclarationSnippet) s).toList();
        if (!missing.isEmpty()) return " until " + String.join(", ", missing) + " is declared";
        return shell.diagnostics(s).filter(Diag::isError).findFirst()
                .map(d -> " (" + d.getMessage(Locale.ROOT).lines().findFirst().orElse("") + ")").orElse("");
    }

    private String currentValue(VarSnippet v) {
        try {
            return shell.varValue(v);
        } catch (RuntimeException e) {
            return "its default";
        }
    }

    /** Splits a cell into snippets and runs them in order; the first failure stops the cell. */
    public CellOutcome eval(String cell) {
        synchronized (stopLock) {
            evaluating = true;
        }
        try {
            return evalSnippets(cell);
        } finally {
            endCell();
        }
    }

    private CellOutcome evalSnippets(String cell) {
        int offset = 0;
        Optional<Object> lastValue = Optional.empty();
        boolean hasValue = false;
        String lastText = "";
        while (offset < cell.length()) {
            String rest = cell.substring(offset);
            if (rest.isBlank()) break;
            SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
            String source;
            int consumed;
            switch (ci.completeness()) {
                case COMPLETE, COMPLETE_WITH_SEMI -> {
                    source = ci.source();
                    consumed = rest.length() - ci.remaining().length();
                }
                case EMPTY -> {
                    consumed = rest.length() - ci.remaining().length();
                    if (consumed <= 0) consumed = rest.length();
                    offset += consumed;
                    continue;
                }
                default -> {
                    source = rest;
                    consumed = rest.length();
                }
            }
            // diagnostics count from the start of the source JShell was given, leading blank lines included
            int start = offset + (!source.isEmpty() && Character.isWhitespace(source.charAt(0)) ? 0 : leadingSpace(rest));
            control.takeStopped();
            if (control.stopPending()) return new CellOutcome.Interrupted();
            List<SnippetEvent> events = shell.eval(source);
            if (control.takeStopped()) return new CellOutcome.Interrupted();
            for (SnippetEvent e : events) {
                String n = e.causeSnippet() == null ? null : updateNotice(e);
                if (n != null) notices.add(n);
            }
            for (SnippetEvent e : events) {
                if (e.causeSnippet() != null) continue;
                Snippet s = e.snippet();
                if (e.status() == Snippet.Status.REJECTED) {
                    return new CellOutcome.CompileError(problems(cell, start, s));
                }
                if (e.exception() != null) {
                    return runtimeError(e.exception());
                }
                if (isValueSnippet(s) && control.hasValue()) {
                    hasValue = true;
                    lastValue = control.takeValue();
                    lastText = e.value();
                } else {
                    hasValue = false;
                    lastValue = Optional.empty();
                    control.takeValue();
                }
            }
            if (events.isEmpty()) {
                return new CellOutcome.CompileError(List.of(new CellOutcome.Problem(lineOf(cell, start), 1,
                        "not a Java statement, expression or declaration", lineText(cell, start))));
            }
            offset += Math.max(consumed, 1);
        }
        return new CellOutcome.Ok(lastValue, hasValue, lastText);
    }

    private static boolean isValueSnippet(Snippet s) {
        if (s instanceof ExpressionSnippet es) return !"void".equals(es.typeName());
        if (s instanceof VarSnippet vs) return vs.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND;
        return false;
    }

    private CellOutcome runtimeError(JShellException ex) {
        if (ex instanceof UnresolvedReferenceException ure) {
            String name = ure.getSnippet().name();
            List<String> missing = shell.unresolvedDependencies(ure.getSnippet()).toList();
            return new CellOutcome.RuntimeError("UnresolvedReference",
                    name + " cannot be used until " + String.join(", ", missing) + " is declared", List.of());
        }
        Throwable live = control.takeThrown();
        if (ex instanceof EvalException ee) {
            String cls = ee.getExceptionClassName();
            String msg = live != null ? live.getMessage() : ee.getMessage();
            return new CellOutcome.RuntimeError(cls, msg == null ? "" : msg, userFrames(live != null ? live : ee));
        }
        return new CellOutcome.RuntimeError(ex.getClass().getSimpleName(), String.valueOf(ex.getMessage()), List.of());
    }

    /** Stack frames of the user's code and the libraries it called, without JShell's or the kernel's. */
    static List<String> userFrames(Throwable t) {
        List<String> out = new ArrayList<>();
        Throwable cur = t;
        Set<Throwable> seen = new java.util.HashSet<>();
        boolean first = true;
        while (cur != null && seen.add(cur)) {
            if (!first) out.add("Caused by: " + cur.getClass().getName() + (cur.getMessage() == null ? "" : ": " + cur.getMessage()));
            for (StackTraceElement f : cur.getStackTrace()) {
                String c = f.getClassName();
                if (c.startsWith("jdk.internal.reflect.") || c.startsWith("java.lang.reflect.") || c.startsWith("orbit.kernel.")
                        || c.startsWith("jdk.jshell.")) {
                    break;
                }
                if (c.startsWith("REPL.")) {
                    String m = f.getMethodName();
                    out.add("\tat " + (m.startsWith("do_it$") ? "cell" : m + " (cell)"));
                } else {
                    out.add("\tat " + f);
                }
            }
            first = false;
            cur = cur.getCause();
        }
        return out;
    }

    private List<CellOutcome.Problem> problems(String cell, int start, Snippet s) {
        List<CellOutcome.Problem> out = new ArrayList<>();
        List<Diag> diags = shell.diagnostics(s).toList();
        for (Diag d : diags) {
            if (!d.isError()) continue;
            long pos = d.getStartPosition();
            int abs = start + (int) Math.max(0, Math.min(pos, cell.length() - start));
            if (abs > cell.length()) abs = cell.length();
            int line = lineOf(cell, abs);
            int col = abs - cell.lastIndexOf('\n', abs - 1);
            out.add(new CellOutcome.Problem(line, col, d.getMessage(Locale.ROOT), lineText(cell, abs)));
        }
        if (out.isEmpty()) {
            out.add(new CellOutcome.Problem(lineOf(cell, start), 1, "this code does not compile: " + s.source().strip(), lineText(cell, start)));
        }
        return out;
    }

    private static int leadingSpace(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        return i;
    }

    static int lineOf(String text, int pos) {
        int line = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) if (text.charAt(i) == '\n') line++;
        return line;
    }

    static String lineText(String text, int pos) {
        int p = Math.min(pos, text.length());
        int a = text.lastIndexOf('\n', p - 1) + 1;
        int b = text.indexOf('\n', p);
        return text.substring(a, b < 0 ? text.length() : b);
    }

    /** Start of the snippet that contains {@code cursor}. */
    int snippetStart(String code, int cursor) {
        String prefix = code.substring(0, Math.min(cursor, code.length()));
        int offset = 0;
        while (offset < prefix.length()) {
            String rest = prefix.substring(offset);
            SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
            SourceCodeAnalysis.Completeness c = ci.completeness();
            if ((c == SourceCodeAnalysis.Completeness.COMPLETE || c == SourceCodeAnalysis.Completeness.COMPLETE_WITH_SEMI
                    || c == SourceCodeAnalysis.Completeness.EMPTY) && !ci.remaining().isEmpty()) {
                int consumed = rest.length() - ci.remaining().length();
                if (consumed <= 0) break;
                offset += consumed;
            } else {
                break;
            }
        }
        return offset + leadingSpace(prefix.substring(offset));
    }

    private final ApiDocs apiDocs = new ApiDocs(DEFAULT_IMPORTS);

    public record Completions(List<String> matches, int start, int end) {}

    public Completions complete(String code, int cursor) {
        cursor = Math.min(cursor, code.length());
        int start = snippetStart(code, cursor);
        String snippet = code.substring(start, cursor);
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> suggestions = analysis.completionSuggestions(snippet, snippet.length(), anchor);
        Set<String> typed = new LinkedHashSet<>();
        Set<String> rest = new LinkedHashSet<>();
        for (SourceCodeAnalysis.Suggestion s : suggestions) {
            (s.matchesType() ? typed : rest).add(s.continuation());
        }
        // at an argument with nothing typed yet (`Artifacts.of(`), every type and package in scope would match:
        // offer only what fits the parameter, as JShell's first Tab does
        boolean emptyArgument = anchor[0] == snippet.length() && snippet.stripTrailing().matches("(?s).*[(,]");
        if (!emptyArgument) typed.addAll(rest);
        return new Completions(new ArrayList<>(typed), start + anchor[0], cursor);
    }

    /** Signature and javadoc of what is at the cursor; empty when nothing is known there. */
    public Optional<String> inspect(String code, int cursor) {
        cursor = Math.min(cursor, code.length());
        int end = cursor;
        while (end < code.length() && Character.isJavaIdentifierPart(code.charAt(end))) end++;
        int start = snippetStart(code, end);
        String snippet = code.substring(start, end);
        List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(snippet, snippet.length(), true);
        if (docs.isEmpty()) {
            String withParen = snippet + "(";
            docs = analysis.documentation(withParen, withParen.length(), true);
        }
        if (docs.isEmpty()) return Optional.empty();
        StringBuilder sb = new StringBuilder();
        for (SourceCodeAnalysis.Documentation d : docs) {
            if (sb.length() > 0) sb.append("\n\n");
            sb.append(d.signature());
            String doc = d.javadoc() != null && !d.javadoc().isBlank() ? d.javadoc().strip() : apiDocs.javadoc(d.signature()).orElse(null);
            if (doc != null) sb.append("\n").append(doc);
        }
        return Optional.of(sb.toString());
    }

    public enum Completeness { COMPLETE, INCOMPLETE, INVALID }

    public Completeness isComplete(String code) {
        String rest = code;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
            switch (ci.completeness()) {
                case COMPLETE, COMPLETE_WITH_SEMI, EMPTY -> {
                    if (ci.remaining().length() >= rest.length()) return Completeness.COMPLETE;
                    rest = ci.remaining();
                }
                case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> {
                    return Completeness.INCOMPLETE;
                }
                default -> {
                    return Completeness.INVALID;
                }
            }
        }
        return Completeness.COMPLETE;
    }

    /** Declares {@code name} as a typed variable holding {@code value}; the type is the most specific public one, returned. */
    public String declare(String name, Object value) {
        if (!isIdentifier(name)) throw new orbit.OrbitException("--as " + name + " is not a Java variable name: use letters, digits and _");
        String type = accessibleType(value == null ? Object.class : value.getClass());
        String key = Bindings.put(value);
        List<SnippetEvent> ev = shell.eval(type + " " + name + " = (" + type + ") orbit.kernel.jshell.Bindings.take(\"" + key + "\");");
        for (SnippetEvent e : ev) {
            if (e.status() == Snippet.Status.REJECTED) {
                Bindings.take(key);
                // fall back to Object when the specific type is not visible to the compiler
                shell.eval("Object " + name + " = orbit.kernel.jshell.Bindings.take(\"" + Bindings.put(value) + "\");");
                return "Object";
            }
        }
        return type;
    }

    static boolean isIdentifier(String s) {
        if (s == null || s.isEmpty() || !Character.isJavaIdentifierStart(s.charAt(0))) return false;
        for (int i = 1; i < s.length(); i++) if (!Character.isJavaIdentifierPart(s.charAt(i))) return false;
        return true;
    }

    static String accessibleType(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            if (isNameable(k)) return k.getCanonicalName();
            for (Class<?> i : k.getInterfaces()) if (isNameable(i)) return i.getCanonicalName();
        }
        return "Object";
    }

    private static boolean isNameable(Class<?> k) {
        if (k.isArray()) return isNameable(k.getComponentType());
        if (k.isPrimitive()) return true;
        if (k.getCanonicalName() == null || k.isAnonymousClass() || k.isLocalClass() || k.isHidden()) return false;
        if (!java.lang.reflect.Modifier.isPublic(k.getModifiers())) return false;
        for (Class<?> o = k.getEnclosingClass(); o != null; o = o.getEnclosingClass()) {
            if (!java.lang.reflect.Modifier.isPublic(o.getModifiers())) return false;
        }
        if (k.getName().startsWith("REPL.")) return false;
        Module m = k.getModule();
        return !m.isNamed() || m.isExported(k.getPackageName());
    }

    /** Adds a jar or class directory for the code of later snippets (%classpath, %maven). */
    public void addToClasspath(java.nio.file.Path entry) {
        if (jars.add(entry)) shell.addToClasspath(entry.toAbsolutePath().normalize().toString());
    }

    /** The entries %classpath and %maven added, oldest first; every JShell this session builds compiles against them. */
    public List<String> addedClasspath() {
        return jars.entries();
    }

    /** Names of the live {@code $N} values, oldest first. */
    public List<String> liveValueNames() {
        return shell.variables().filter(v -> v.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND
                && shell.status(v).isActive()).map(VarSnippet::name).toList();
    }

    /** The name of the newest {@code $N} value, or null. */
    String lastValueName() {
        List<String> names = liveValueNames();
        return names.isEmpty() ? null : names.get(names.size() - 1);
    }

    public int snippetCount() {
        return (int) shell.snippets().count();
    }

    private final Object stopLock = new Object();
    private boolean evaluating;

    /**
     * Starts a cell before {@link #eval}: from here a {@link #stop} is kept for it, and a stop asked for during an
     * earlier cell no longer applies. {@link #endCell} undoes it when the cell is not run after all.
     */
    public void beginCell() {
        synchronized (stopLock) {
            evaluating = true;
            control.clearStop();
        }
    }

    public void endCell() {
        synchronized (stopLock) {
            evaluating = false;
            control.clearStop();
        }
    }

    /**
     * Stops the cell in progress (called from the control thread). A stop that comes while the cell is still
     * compiling is kept and stops the cell as soon as it starts running, or before its next snippet; with no cell in
     * progress it does nothing, so it never reaches a later cell.
     */
    public void stop() {
        synchronized (stopLock) {
            if (evaluating) control.requestStop();
        }
    }

    public boolean isRunning() {
        return control.isRunning();
    }

    @Override
    public void close() {
        shell.close();
        try {
            jars.close();
        } catch (java.io.IOException e) {
            // the jars stay open until the JVM exits
        }
    }
}
