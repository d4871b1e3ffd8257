package orbit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpellingTest {
    @Test
    void countsInsertionsDeletionsSubstitutionsAndNeighbourSwapsAsOneEditEach() {
        assertEquals(0, Spelling.distance("gpus", "gpus"));
        assertEquals(1, Spelling.distance("gpu", "gpus"));
        assertEquals(1, Spelling.distance("gpuss", "gpus"));
        assertEquals(1, Spelling.distance("gpas", "gpus"));
        assertEquals(1, Spelling.distance("gpsu", "gpus"), "a swap of neighbours is one edit");
        assertEquals(4, Spelling.distance("", "gpus"));
    }
}
