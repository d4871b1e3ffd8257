package orbit.magics;

import orbit.bundle.JobSpec;
import orbit.bundle.JobSpecReader;
import orbit.bundle.Json;

import java.util.Arrays;
import java.util.List;

/** The `orbit` command-line entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // Nearly every command reads a bundle's job.json: Jackson's start-up (a few hundred classes) runs on a second
        // core while the main thread builds the command grammar, instead of after it.
        Thread warm = new Thread(Main::warmJson, "orbit-json-warm-up");
        warm.setDaemon(true);
        warm.start();
        System.exit(Commands.run(TerminalConsole.system(), Arrays.asList(args)));
    }

    private static void warmJson() {
        try {
            JobSpecReader.parse(Json.bytes(JobSpec.builder("warm-up", List.of("true")).build()));
        } catch (RuntimeException | LinkageError e) {
            // only a warm-up: the command itself reports whatever is wrong
        }
    }
}
