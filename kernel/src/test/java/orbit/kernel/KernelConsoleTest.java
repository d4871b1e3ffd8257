package orbit.kernel;

import orbit.kernel.display.Renderers;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

class KernelConsoleTest {
    record Sent(String text, String id, boolean update, long atNanos) {}

    @Test
    void updatableDisplayThrottlesToFourPerSecondAndTheLatestValueLands() throws Exception {
        List<Sent> sent = new CopyOnWriteArrayList<>();
        KernelConsole c = new KernelConsole(Renderers.standard(), new KernelConsole.Publisher() {
            public void displayData(Map<String, String> data, String displayId, boolean update) {
                sent.add(new Sent(data.get("text/plain"), displayId, update, System.nanoTime()));
            }

            public void clearOutput() { }
        }, (n, v) -> "Object", new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        var d = c.displayUpdatable("0%");
        long t0 = System.nanoTime();
        for (int i = 1; i <= 100; i++) {
            d.update(i + "%");
            Thread.sleep(10);
        }
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        Thread.sleep(400);
        c.shutdown();
        List<Sent> updates = sent.stream().filter(Sent::update).toList();
        assertTrue(updates.size() <= elapsedMs / 250 + 2, updates.size() + " updates in " + elapsedMs + " ms");
        assertTrue(updates.size() >= 2);
        assertEquals("\"100%\"", updates.get(updates.size() - 1).text(), "the last value must be shown");
        for (int i = 1; i < updates.size(); i++) {
            assertTrue(updates.get(i).atNanos() - updates.get(i - 1).atNanos() >= 240_000_000L, "updates closer than 250 ms");
        }
        assertEquals(sent.get(0).id(), updates.get(0).id());
    }

    @Test
    void magicCompletionComesFromTheCommandModel() {
        KernelConsole c = new KernelConsole(Renderers.standard(), null, null, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        MagicCompleter mc = new MagicCompleter(c, new NotebookMagics(c, code -> null));
        List<String> fromPicocli = List.copyOf(orbit.magics.Commands.commandLine(c).getSubcommands().keySet());
        assertTrue(mc.magicNames().containsAll(fromPicocli));
        assertTrue(mc.magicNames().contains("help"));
        assertEquals(List.of("bundle"), mc.complete("%bun", 0).matches());
        assertTrue(mc.complete("%bundle --he", 0).matches().contains("--help"));
        assertEquals(8, mc.complete("%bundle --he", 0).start());
    }

    @Test
    void historySearchRangeAndTail() {
        History h = new History();
        h.add(1, "int a = 1;", null);
        h.add(2, "a + 1", "2");
        h.add(3, "a + 1", "2");
        assertEquals(2, h.search("a + *", 0, false).size());
        assertEquals(1, h.search("a + *", 0, true).size());
        assertEquals(List.of(2), h.range(1, 2, 3).stream().map(History.Entry::line).toList());
        assertEquals(List.of(2, 3), h.tail(2).stream().map(History.Entry::line).toList());
    }
}
