package orbit.launch;

import orbit.bundle.Bundle;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a bundle runs: the only thing that knows whether a run is local, over SSH or under Slurm, i.e. where and
 * how launch.sh starts and how its run is observed. Everything that is the same for every target (run id, lock,
 * refuse-if-live, archive of the previous run, wait for the recorded start) is the {@link Launcher}'s. A target
 * whose runs have no pid (a scheduler's) records its job id in last_run.json and answers liveness from the
 * scheduler in its {@link RunHandle}.
 */
public interface Target {
    /** The string recorded as last_run.json's "target", accepted back by the target parser. */
    String spec();

    /** The launch options this target runs with (e.g. the local target's Java GPU tracker). */
    default LaunchOptions prepare(Bundle bundle, LaunchOptions options) {
        return options;
    }

    /**
     * Sets run {@code runId} going: scripts/ are generated and the previous run archived already. Returns at once;
     * the launcher waits for the run to record itself through {@link Started#recorded()}.
     */
    Started start(Bundle bundle, String runId, LaunchOptions options);

    /** The bundle's latest run as recorded on disk, for a person (remote targets may start their watcher). */
    Optional<RunHandle> attach(Bundle bundle);

    /** The bundle's latest run, only to ask its state: no side effects beyond recording what it finds. */
    default Optional<RunHandle> observe(Bundle bundle) {
        return attach(bundle);
    }

    /** Bundle-relative files under runtime/ that belong to the control side: the archive leaves them in place. */
    default Set<String> controlFiles() {
        return Set.of();
    }

    /** Told after the launcher archived the previous run: moved maps each old relative path to its new one. */
    default void archived(Bundle bundle, String previousRunId, Map<String, String> moved) {}

    /** Starts a run through a {@link Launcher} that knows only this target. */
    default RunHandle launch(Bundle bundle, LaunchOptions options) {
        return new Launcher(Launcher.only(this)).launch(this, bundle, options);
    }

    /** A run that {@link #start} set going. */
    interface Started {
        /** last_run.json as the run's own side has it now (empty until written); reads only. */
        Optional<LastRun> recorded();

        /** One line saying why the start failed, once it has (the launcher stops waiting); empty meanwhile. */
        default Optional<String> failure() {
            return Optional.empty();
        }

        /** What to look at when the run never recorded itself. */
        default String diagnosis() {
            return "";
        }

        /**
         * Returns once the recorded state may have changed: a target that can be told (a file watch) returns as soon
         * as it is, and at the latest after a short bound so that a start that failed is still noticed; the default
         * looks again after a short pause.
         */
        default void awaitChange() throws InterruptedException {
            Thread.sleep(25);
        }

        /** The handle of the run once it recorded itself (a remote target may start its watcher here). */
        RunHandle confirm();

        /** Releases what the start holds when the run never recorded itself. */
        default void abandon() {}
    }
}
