package orbit.magics;

import orbit.bundle.Bundle;
import orbit.bundle.JobSpec;
import orbit.ssh.LoopbackSshd;
import orbit.ssh.SshLease;
import orbit.trainer.TinyTrainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** `orbit hosts trust` and `orbit launch NAME --target ssh://...` through the real grammar against a loopback sshd. */
class SshLaunchCommandTest {
    static Path dir;
    static LoopbackSshd sshd;

    @TempDir
    Path root;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("orbit-sshcli-");
        sshd = LoopbackSshd.start(dir.resolve("sshd"));
    }

    @AfterAll
    static void stop() {
        if (sshd != null) sshd.close();
        orbit.ssh.LoopbackSshd.deleteDir(dir);
    }

    record Result(int code, String out, String err) {}

    Result orbit(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        int code = Commands.run(new TerminalConsole(new PrintWriter(out, true), new PrintWriter(err, true)), all);
        return new Result(code, out.toString(), err.toString());
    }

    Result magic(String line) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Commands.runMagic(new TerminalConsole(new PrintWriter(out, true), new PrintWriter(err, true)), line);
        return new Result(code, out.toString(), err.toString());
    }

    Bundle trainer(String name, String... args) {
        List<String> argv = new ArrayList<>(List.of("python3", "inputs/" + TinyTrainer.FILE_NAME));
        argv.addAll(List.of(args));
        Bundle b = Bundle.create(root.resolve(name), new JobSpec(JobSpec.SCHEMA, name, JobSpec.Resources.none(),
                new JobSpec.Entrypoint(argv, ".", Map.of(), List.of()), "python3", List.of(), null, List.of(), "2026-01-01T00:00:00Z", "test"));
        TinyTrainer.writeTo(b.inputsDir());
        return b;
    }

    @Test
    void trustRecordsTheFingerprintThenLaunchWaitPullAndStatusWorkOverSsh() throws Exception {
        Path kh = root.resolve("kh/known_hosts");
        String target = "ssh://root@127.0.0.1:" + sshd.port();
        Bundle b = trainer("cli-run", "--steps", "30");

        Result refused = orbit("launch", "cli-run", "--target", target, "--identity", sshd.clientKey().toString(),
                "--known-hosts", kh.toString(), "--remote-dir", root.resolve("host/cli-run").toString());
        assertEquals(Commands.FAILED, refused.code(), refused.out());
        assertTrue(refused.err().contains("is not known") && refused.err().contains("orbit hosts trust 127.0.0.1:" + sshd.port()), refused.err());
        assertEquals(1, refused.err().lines().count(), "one line: " + refused.err());

        Result trust = orbit("hosts", "trust", "127.0.0.1:" + sshd.port(), "--known-hosts", kh.toString());
        assertEquals(Commands.OK, trust.code(), trust.err());
        assertTrue(trust.out().contains("SHA256:") && trust.out().contains("recorded in"), trust.out());
        assertTrue(orbit("hosts", "trust", "127.0.0.1:" + sshd.port(), "--known-hosts", kh.toString()).out().contains("already trusted"));

        Result launched = magic("%launch " + b.path() + " --target " + target + " --identity " + sshd.clientKey()
                + " --known-hosts " + kh + " --remote-dir " + root.resolve("host/cli-run") + " --sync-every 1s --heartbeat 1s");
        assertEquals(Commands.OK, launched.code(), launched.err());
        assertTrue(launched.out().contains("launched run") && launched.out().contains("shipping"), launched.out());

        Result waited = orbit("launch", "wait", "cli-run", "--timeout", "90s");
        assertEquals(Commands.OK, waited.code(), waited.out() + waited.err());
        assertTrue(waited.out().contains("succeeded") && waited.out().contains(target), waited.out());

        Result pulled = orbit("launch", "pull", "cli-run");
        assertEquals(Commands.OK, pulled.code(), pulled.err());
        assertTrue(pulled.out().startsWith("pulled "), pulled.out());
        assertTrue(Files.isRegularFile(b.artifactsDir().resolve("manifest.json")));

        Result follow = orbit("launch", "logs", "cli-run", "--follow");
        assertEquals(Commands.OK, follow.code(), follow.err());
        assertEquals(Files.readString(b.artifactsDir().resolve("training.log")), follow.out(), "--follow prints the whole pulled training.log and stops at the end");
        assertFalse(follow.out().isEmpty());

        Result logs = orbit("launch", "logs", "cli-run", "--file", "runtime");
        assertTrue(logs.out().contains("finalize") || logs.out().contains("training exited"), logs.out());

        long end = System.nanoTime() + 30_000_000_000L;
        Long watcher = SshLease.read(b.runtimeDir()).orElseThrow().watcherPid();
        while (watcher != null && ProcessHandle.of(watcher).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < end) Thread.sleep(200);
        assertFalse(watcher != null && ProcessHandle.of(watcher).map(ProcessHandle::isAlive).orElse(false), "the watcher exits after the run ends");
    }
}
