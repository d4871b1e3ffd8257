package orbit.launch;

import orbit.OrbitException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShellQuoteTest {
    @Test
    void everyQuotedWordExpandsBackToItselfInBash() throws Exception {
        List<String> words = List.of("plain", "two words", "it's", "\"dq\"", "$(touch /nonexistent)", "`id`", "a;b", "*",
                "line1\nline2", "back\\slash", "", "tab\there", "$HOME", "!bang", "ünïcödé");
        String script = "for w in " + ShellQuote.words(words) + "; do printf '%s\\0' \"$w\"; done";
        Process p = new ProcessBuilder("bash", "-c", script).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        String[] got = new String(out, StandardCharsets.UTF_8).split("\0", -1);
        assertEquals(words, List.of(got).subList(0, got.length - 1));
    }

    @Test
    void nulByteIsRefusedWithOneLine() {
        OrbitException e = assertThrows(OrbitException.class, () -> ShellQuote.quote("a\0b"));
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void badEnvironmentNameIsRefused() {
        assertThrows(OrbitException.class, () -> ShellQuote.name("A-B", "env"));
        assertEquals("A_1", ShellQuote.name("A_1", "env"));
    }
}
