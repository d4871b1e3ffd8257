package orbit.kernel;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Pattern;

/** The cells of this kernel's session (session 1), for history_request: tail, range and search. */
final class History {
    record Entry(int session, int line, String input, String output) {}

    static final int SESSION = 1;
    private final List<Entry> entries = new ArrayList<>();

    synchronized void add(int line, String input, String output) {
        entries.add(new Entry(SESSION, line, input, output));
    }

    synchronized List<Entry> tail(int n) {
        int from = Math.max(0, entries.size() - Math.max(0, n));
        return new ArrayList<>(entries.subList(from, entries.size()));
    }

    /** Lines start..stop-1 of a session; session 0 or negative means this one (as IPython). */
    synchronized List<Entry> range(int session, int start, int stop) {
        List<Entry> out = new ArrayList<>();
        if (session > 0 && session != SESSION) return out;
        for (Entry e : entries) {
            if (e.line() >= start && (stop <= 0 || e.line() < stop)) out.add(e);
        }
        return out;
    }

    /** Glob pattern (* and ?) over the input, newest n, optionally unique by input. */
    synchronized List<Entry> search(String glob, int n, boolean unique) {
        Pattern p = Pattern.compile(globToRegex(glob == null || glob.isEmpty() ? "*" : glob), Pattern.DOTALL);
        List<Entry> hits = new ArrayList<>();
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (!p.matcher(e.input()).matches()) continue;
            if (unique && !seen.add(e.input())) continue;
            hits.add(0, e);
            if (n > 0 && hits.size() >= n) break;
        }
        return hits;
    }

    static String globToRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }
}
