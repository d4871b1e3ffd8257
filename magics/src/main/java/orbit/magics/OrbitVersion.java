package orbit.magics;

import picocli.CommandLine.IVersionProvider;

/** The version printed by `orbit --version`, from the jar manifest when packaged. */
public final class OrbitVersion implements IVersionProvider {
    public static String get() {
        String v = OrbitVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"orbit " + get()};
    }
}
