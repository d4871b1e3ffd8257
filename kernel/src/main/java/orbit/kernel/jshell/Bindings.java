package orbit.kernel.jshell;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Hands a live object from the kernel to a JShell declaration (`--as NAME`); each value is taken once. */
public final class Bindings {
    private static final Map<String, Object> VALUES = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong();

    private Bindings() {}

    static String put(Object value) {
        String key = "b" + NEXT.incrementAndGet();
        VALUES.put(key, value == null ? NULL : value);
        return key;
    }

    private static final Object NULL = new Object();

    public static Object take(String key) {
        Object v = VALUES.remove(key);
        return v == NULL ? null : v;
    }
}
