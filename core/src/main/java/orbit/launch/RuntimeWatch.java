package orbit.launch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A watch on a run's runtime/ directory (inotify on Linux): the launcher's wait for launch.sh to record itself
 * wakes when a file there is created or replaced, instead of reading last_run.json on a timer. Where no watch
 * can be had, {@link #await} is a plain pause of the given bound.
 */
final class RuntimeWatch implements AutoCloseable {
    private final WatchService service;

    private RuntimeWatch(WatchService service) {
        this.service = service;
    }

    static RuntimeWatch of(Path dir) {
        WatchService s = null;
        try {
            s = FileSystems.getDefault().newWatchService();
            dir.register(s, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            return new RuntimeWatch(s);
        } catch (IOException | UnsupportedOperationException e) {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing was watched
                }
            }
            return new RuntimeWatch(null);
        }
    }

    /** Returns when something in the directory changed, or after {@code bound}. */
    void await(Duration bound) throws InterruptedException {
        if (service == null) {
            Thread.sleep(bound.toMillis());
            return;
        }
        try {
            WatchKey key = service.poll(bound.toMillis(), TimeUnit.MILLISECONDS);
            if (key != null) {
                key.pollEvents();
                key.reset();
            }
        } catch (ClosedWatchServiceException e) {
            Thread.sleep(bound.toMillis());
        }
    }

    @Override
    public void close() {
        if (service == null) return;
        try {
            service.close();
        } catch (IOException e) {
            // the watch held no other resource
        }
    }
}
