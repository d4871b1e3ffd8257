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

    /** The environment variable every process of a run carries (set by the launcher and by launch.sh). */
    static final String RUN_MARKER = "ORBIT_RUN_ID";

    /**
     * True only when {@code pid} is the process a launch started for {@code runId}: it runs (not a zombie), started
     * at {@code startTicks}, leads its own process group {@code pgid} (pgid == pid), and its environment names the
     * run. A recycled pid, a decoy process or a forged last_run.json fails at least one of these.
     */
    static boolean isRun(Long pid, Long pgid, String startTicks, String runId) {
        if (pid == null || pgid == null || startTicks == null || runId == null || pid <= 1 || !pid.equals(pgid)) return false;
        Optional<String[]> f = stat(pid);
        if (f.isEmpty() || f.get()[0].equals("Z") || f.get()[0].equals("X")) return false;
        if (!startTicks.equals(f.get()[19]) || !f.get()[2].equals(Long.toString(pgid))) return false;
        return carriesRun(pid, runId);
    }

    /** True when /proc/PID/environ holds ORBIT_RUN_ID=runId (false when it cannot be read). */
    static boolean carriesRun(long pid, String runId) {
        byte[] env;
        try {
            env = Files.readAllBytes(PROC.resolve(Long.toString(pid)).resolve("environ"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
        byte[] want = (RUN_MARKER + "=" + runId).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start == want.length && java.util.Arrays.equals(env, start, i, want, 0, want.length)) return true;
                start = i + 1;
            }
        }
        return false;
    }

    /**
     * Live members of the run's process group that carry the run's marker: what is left of a run whose
     * supervisor died. Empty for a pgid that is not a run's (never 0 or 1).
     */
    static List<Long> runGroup(Long pgid, String runId) {
        if (pgid == null || pgid <= 1 || runId == null) return List.of();
        List<Long> members = new ArrayList<>();
        for (long pid : group(pgid)) if (carriesRun(pid, runId)) members.add(pid);
        return members;
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
