package orbit.magics;

import orbit.OrbitException;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a magic line into arguments the way a POSIX shell would for the cases users type:
 * whitespace separates, single quotes are literal, double quotes allow \" \\ \$ escapes, a backslash escapes one character.
 * No expansion of any kind happens, so `%bundle new x -- python3 "$HOME"` passes the literal text.
 */
public final class CellTokenizer {
    private CellTokenizer() {}

    public static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inToken = false;
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) throw new OrbitException("unclosed single quote in: " + line.strip() + ": close the quote");
                cur.append(line, i + 1, end);
                inToken = true;
                i = end + 1;
            } else if (c == '"') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char d = line.charAt(i);
                    if (d == '"') {
                        closed = true;
                        i++;
                        break;
                    }
                    if (d == '\\' && i + 1 < n && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                        cur.append(line.charAt(i + 1));
                        i += 2;
                    } else {
                        cur.append(d);
                        i++;
                    }
                }
                if (!closed) throw new OrbitException("unclosed double quote in: " + line.strip() + ": close the quote");
                inToken = true;
            } else if (c == '\\' && i + 1 < n) {
                cur.append(line.charAt(i + 1));
                inToken = true;
                i += 2;
            } else if (Character.isWhitespace(c)) {
                if (inToken) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inToken = false;
                }
                i++;
            } else {
                cur.append(c);
                inToken = true;
                i++;
            }
        }
        if (inToken) out.add(cur.toString());
        return out;
    }
}
