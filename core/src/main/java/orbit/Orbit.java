package orbit;

import orbit.bundle.Bundle;
import orbit.bundle.BundleRoot;
import orbit.bundle.BundleSummary;
import orbit.bundle.JobSpec;

import java.util.List;

/**
 * The front door for JShell and notebook users: find, create and open bundles under the bundle root
 * (--root, else $ORBIT_BUNDLES, else the nearest bundles/ here or above, else ./bundles: see {@link BundleRoot}).
 */
public final class Orbit {
    private Orbit() {}

    /** The ORBIT version, from the jar manifest; "dev" when running from classes. */
    public static String version() {
        String v = Orbit.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static BundleRoot root() {
        return BundleRoot.resolve(null);
    }

    public static Bundle bundle(String nameOrPath) {
        return root().open(nameOrPath);
    }

    public static Bundle create(JobSpec spec) {
        return root().create(spec);
    }

    public static List<BundleSummary> bundles() {
        return root().list(orbit.launch.LastRun::stateOf);
    }
}
