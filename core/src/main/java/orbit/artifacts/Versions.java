package orbit.artifacts;

/** Compares dotted versions such as "3.12.5", "4.0.0rc1" by their numeric parts. */
final class Versions {
    private Versions() {}

    static boolean atLeast(String version, String floor) {
        int[] a = parts(version);
        int[] b = parts(floor);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            int x = i < a.length ? a[i] : 0;
            int y = i < b.length ? b[i] : 0;
            if (x != y) return x > y;
        }
        return true;
    }

    private static int[] parts(String v) {
        String[] p = v.strip().replaceFirst("^[vV]", "").split("\\.");
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            int end = 0;
            while (end < p[i].length() && Character.isDigit(p[i].charAt(end))) end++;
            out[i] = end == 0 ? 0 : Integer.parseInt(p[i].substring(0, Math.min(end, 9)));
        }
        return out;
    }
}
