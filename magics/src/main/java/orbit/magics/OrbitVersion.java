package orbit.magics;

import picocli.CommandLine.IVersionProvider;

/** The version printed by `orbit --version`, the core library's. */
public final class OrbitVersion implements IVersionProvider {
    public static String get() {
        return orbit.Orbit.version();
    }

    @Override
    public String[] getVersion() {
        return new String[] {"orbit " + get()};
    }
}
