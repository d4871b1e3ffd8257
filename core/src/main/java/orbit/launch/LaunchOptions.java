package orbit.launch;

import java.time.Duration;
import java.util.List;

/**
 * How to launch, beyond what job.json says.
 *
 * @param heartbeat      how often runtime/heartbeat is touched
 * @param simulateGpus   when set, a Java GPU tracker is asked to simulate this many GPUs if none is present
 * @param trackerArgv    the argv of a GPU tracker to exec from scripts/gpu-tracker.sh; empty = the shell tracker
 * @param trackerInterval GPU sampling interval
 * @param startTimeout   how long launch() waits for launch.sh to record its process in last_run.json
 * @param stopGrace      SIGTERM → SIGKILL when max_runtime ends the run or its supervisor dies
 */
public record LaunchOptions(Duration heartbeat, Integer simulateGpus, List<String> trackerArgv,
                            Duration trackerInterval, Duration startTimeout, Duration stopGrace) {
    public LaunchOptions {
        stopGrace = stopGrace == null ? Duration.ofSeconds(10) : stopGrace;
        heartbeat = heartbeat == null ? Duration.ofSeconds(5) : heartbeat;
        trackerArgv = trackerArgv == null ? List.of() : List.copyOf(trackerArgv);
        trackerInterval = trackerInterval == null ? Duration.ofSeconds(1) : trackerInterval;
        startTimeout = startTimeout == null ? Duration.ofSeconds(20) : startTimeout;
    }

    public static LaunchOptions defaults() {
        return new LaunchOptions(null, null, null, null, null, null);
    }

    public LaunchOptions withHeartbeat(Duration d) {
        return new LaunchOptions(d, simulateGpus, trackerArgv, trackerInterval, startTimeout, stopGrace);
    }

    public LaunchOptions withSimulateGpus(Integer n) {
        return new LaunchOptions(heartbeat, n, trackerArgv, trackerInterval, startTimeout, stopGrace);
    }

    public LaunchOptions withTrackerArgv(List<String> argv) {
        return new LaunchOptions(heartbeat, simulateGpus, argv, trackerInterval, startTimeout, stopGrace);
    }

    public LaunchOptions withStopGrace(Duration d) {
        return new LaunchOptions(heartbeat, simulateGpus, trackerArgv, trackerInterval, startTimeout, d);
    }
}
