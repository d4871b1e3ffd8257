package orbit.bundle;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class QuantitiesTest {
    @Test
    void sizesUseBinaryUnits() {
        assertEquals(64L << 30, Quantities.bytes("m", "64G"));
        assertEquals(512L << 20, Quantities.bytes("m", "512Mi"));
        assertEquals((long) (1.5 * (1L << 40)), Quantities.bytes("m", "1.5T"));
        assertEquals(100, Quantities.bytes("m", "100"));
    }

    @Test
    void durationsCombineParts() {
        assertEquals(Duration.ofHours(2), Quantities.duration("d", "2h", false));
        assertEquals(Duration.ofMinutes(90), Quantities.duration("d", "1h30m", false));
        assertEquals(Duration.ofDays(1).plusSeconds(5), Quantities.duration("d", "1d5s", false));
        assertEquals(Duration.ofMillis(250), Quantities.duration("d", "0.25s", false));
        assertEquals(Duration.ofMillis(500), Quantities.duration("d", "500ms", false));
    }

    @Test
    void aBareNumberIsSecondsOnlyWhereAllowed() {
        assertEquals(Duration.ofSeconds(30), Quantities.duration("--timeout", "30", true));
        orbit.OrbitException e = org.junit.jupiter.api.Assertions.assertThrows(orbit.OrbitException.class,
                () -> Quantities.duration("job.json: resources.max_runtime", "30", false));
        assertEquals("job.json: resources.max_runtime = \"30\": missing unit: use s, m, h or d (e.g. 2h, 90m)", e.getMessage());
    }
}
