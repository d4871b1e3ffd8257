package orbit.bundle;

/**
 * Python's bytecode caches: {@code __pycache__/} directories and {@code *.pyc} / {@code *.pyo} files. The
 * interpreter writes them beside whatever it imports, staged inputs included, so they are never inputs: not
 * staged from a directory, not hashed, and not a change when they appear. The precheck (precheck.py) leaves out
 * the same names.
 */
public final class BytecodeCache {
    private BytecodeCache() {}

    /** True for a path (relative, '/'-separated) inside a {@code __pycache__} directory or naming a .pyc/.pyo file. */
    public static boolean isCache(String rel) {
        if (rel.endsWith(".pyc") || rel.endsWith(".pyo")) return true;
        for (String part : rel.split("/")) {
            if (part.equals("__pycache__")) return true;
        }
        return false;
    }
}
