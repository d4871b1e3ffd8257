package orbit.ssh;

import java.time.Duration;

/**
 * What a host has shown of its speed: how long its small commands took, start-up of the login shell
 * included (a {@code .bashrc} that initialises conda, a loaded login node: seconds before the command
 * runs). Limits on probes and commands are a multiple of it, never a fixed figure, so a slow host is
 * slow, not lost. Whether it is lost is decided by {@code --lost-after} of silence alone.
 */
final class RoundTrip {
    /** The least a command is given, whatever the host has shown. */
    static final Duration FLOOR = Duration.ofSeconds(2);
    /** A command may take this many times what the host's commands have taken. */
    static final int FACTOR = 4;

    private RoundTrip() {}

    /** The new estimate: a slower sample counts at once, a faster one lowers it slowly (one quick answer is no promise). */
    static long fold(Long previousMs, long sampleMs) {
        if (previousMs == null || sampleMs >= previousMs) return sampleMs;
        return (previousMs * 7 + sampleMs) / 8;
    }

    /** How long one small command may take on a host whose commands have taken {@code roundTripMs} (null: unknown). */
    static Duration limit(Long roundTripMs) {
        if (roundTripMs == null) return FLOOR;
        Duration d = Duration.ofMillis(roundTripMs * FACTOR);
        return d.compareTo(FLOOR) > 0 ? d : FLOOR;
    }
}
