package orbit.launch;

import orbit.bundle.Bundle;

import java.util.Optional;

/**
 * Where a bundle runs: the only thing that knows whether a run is local, over SSH or under Slurm.
 * Everything above it sees a {@link RunHandle}. An interface rather than a sealed type so that targets
 * in their own packages (ssh, slurm) plug in without editing this file; {@link Targets#parse} is the one
 * place that maps a user's --target string to an implementation.
 */
public interface Target {
    /** The string recorded as last_run.json's "target" and accepted back by {@link Targets#parse}. */
    String spec();

    /**
     * Starts the bundle's job: regenerates scripts/, archives the previous run, starts launch.sh so it
     * outlives the caller. Refuses (OrbitException, one line) when the bundle's latest run is still alive.
     */
    RunHandle launch(Bundle bundle, LaunchOptions options);

    /** The bundle's latest run as recorded on disk, if there is one; works from a fresh process. */
    Optional<RunHandle> attach(Bundle bundle);
}
