package orbit.launch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Linux processes as /proc shows them. A run is identified by pid AND start time (field 22 of
 * /proc/PID/stat), never by name, so a recycled pid is not mistaken for the run.
 */
final class ProcessTable {
    private static final Path PROC = Path.of("/proc");

    private ProcessTable() {}

    /** Fields after the command name: index 0 is field 3 (state), 2 is field 5 (pgrp), 19 is field 22 (starttime). */
    private static Optional<String[]> stat(long pid) {
        try {
            String s = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
            int close = s.lastIndexOf(')');
            return Optional.of(s.substring(close + 2).trim().split(" "));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** True when pid runs (not a zombie) and started at {@code startTicks}. */
    static boolean alive(Long pid, String startTicks) {
        if (pid == null) return false;
        return stat(pid).filter(f -> !f[0].equals("Z") && !f[0].equals("X"))
                .map(f -> startTicks == null || startTicks.equals(f[19]))
                .orElse(false);
    }

    /** Live (non-zombie) members of a process group. */
    static List<Long> group(long pgid) {
        List<Long> members = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                stat(pid).ifPresent(f -> {
                    if (f[2].equals(Long.toString(pgid)) && !f[0].equals("Z") && !f[0].equals("X")) members.add(pid);
                });
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc", e);
        }
        return members;
    }

    /** Sends a signal to a whole process group through kill(1): Java can only signal single pids. */
    static void signalGroup(long pgid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot run kill", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
