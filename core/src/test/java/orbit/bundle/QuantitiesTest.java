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

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "9999999999999999999G|too large: at most 8388607T",
            "18446744073709551616|too large: at most 8388607T",
            "9223372036854775807K|too large: at most 8388607T",
            "0.0000001K|less than one byte: give a size of 1 byte or more, e.g. 64G",
            "0|less than one byte: give a size of 1 byte or more, e.g. 64G",
    })
    void sizesAreRangeCheckedNeverSaturated(String text, String fix) {
        orbit.OrbitException e = org.junit.jupiter.api.Assertions.assertThrows(orbit.OrbitException.class,
                () -> Quantities.bytes("--memory", text));
        assertEquals("--memory = \"" + text + "\": " + fix, e.getMessage());
        assertEquals(Long.MAX_VALUE, Quantities.bytes("m", "9223372036854775807"));
        assertEquals(8388607L << 40, Quantities.bytes("m", "8388607T"));
        assertEquals(307, Quantities.bytes("m", "0.3K"), "a fraction of a byte is dropped");
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "1h1h|not one duration: give each unit once, largest first, e.g. 1h30m",
            "30m1h|not one duration: give each unit once, largest first, e.g. 1h30m",
            "9999999999999999999h|too long: at most 3650d",
            "3651d|too long: at most 3650d",
            "0.0001s|finer than a millisecond: round it, e.g. 500ms",
    })
    void durationsAreOneWellFormedValueInRange(String text, String fix) {
        orbit.OrbitException e = org.junit.jupiter.api.Assertions.assertThrows(orbit.OrbitException.class,
                () -> Quantities.duration("--max-runtime", text, false));
        assertEquals("--max-runtime = \"" + text + "\": " + fix, e.getMessage());
        assertEquals(Duration.ofDays(3650), Quantities.duration("d", "3650d", false));
        assertEquals(Duration.ofMinutes(90).plusSeconds(5), Quantities.duration("d", "1h30m5s", false));
    }
}
