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
        assertEquals(Duration.ofHours(2), Quantities.duration("d", "2h"));
        assertEquals(Duration.ofMinutes(90), Quantities.duration("d", "1h30m"));
        assertEquals(Duration.ofDays(1).plusSeconds(5), Quantities.duration("d", "1d5s"));
    }
}
