package orbit.ssh;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class ShipAndPullTest {
    static Path dir;
    static LoopbackSshd sshd;
    static Transport t;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("orbit-ship-");
        sshd = LoopbackSshd.start(dir.resolve("sshd"));
        t = SshjTransport.connect(sshd.address(), sshd.options());
    }

    @AfterAll
    static void stop() {
        if (t != null) t.close();
        if (sshd != null) sshd.close();
        orbit.ssh.LoopbackSshd.deleteDir(dir);
    }

    static final long SMALL_CHUNK = 1 << 20;

    static BundleShip ship(Path b, String remote) {
        return new BundleShip(t, b, remote).chunk(SMALL_CHUNK);
    }

    static Path bundle(Path root) throws Exception {
        Path b = root.resolve("b");
        Files.createDirectories(b.resolve("inputs/data"));
        Files.createDirectories(b.resolve("scripts"));
        Files.createDirectories(b.resolve("runtime"));
        Files.createDirectories(b.resolve("artifacts"));
        Files.writeString(b.resolve("job.json"), "{\"name\":\"b\"}\n");
        Files.writeString(b.resolve("scripts/launch.sh"), "echo hi\n");
        Random r = new Random(1);
        for (int i = 0; i < 20; i++) {
            byte[] x = new byte[10_000 + i];
            r.nextBytes(x);
            Files.write(b.resolve("inputs/data/f" + i + ".bin"), x);
        }
        byte[] big = new byte[(int) SMALL_CHUNK * 2 + 123_457];
        r.nextBytes(big);
        Files.write(b.resolve("inputs/big.bin"), big);
        Files.writeString(b.resolve("inputs/name with 'quotes' and $(x).txt"), "odd\n");
        return b;
    }

    String remoteSha(String remote, String rel) {
        return t.run("sha256sum < " + RemoteShell.quote(remote + "/" + rel), Duration.ofSeconds(30)).stdout().substring(0, 64);
    }

    @Test
    void firstPushCopiesEverythingAndAnUnchangedRePushSendsNothing(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        String remote = tmp.resolve("remote").toString();
        BundleShip.Report first = ship(b, remote).streams(3).push();
        assertEquals(first.files(), first.filesSent());
        for (String rel : List.of("job.json", "inputs/big.bin", "inputs/data/f7.bin", "inputs/name with 'quotes' and $(x).txt")) {
            assertEquals(BundleShip.sha256(b.resolve(rel)), remoteSha(remote, rel), rel);
        }
        assertTrue(t.run("test -d " + RemoteShell.quote(remote + "/artifacts"), Duration.ofSeconds(5)).ok());

        BundleShip.Report again = ship(b, remote).push();
        assertEquals(0, again.filesSent(), again.toString());
        assertEquals(0, again.bytesSent());
        assertEquals(0, again.hashedRemotely(), "an untouched pair needs no hashing");

        Files.writeString(b.resolve("scripts/launch.sh"), "echo changed\n");
        BundleShip.Report one = ship(b, remote).push();
        assertEquals(1, one.filesSent(), one.toString());
        assertEquals("echo changed\n", t.run("cat " + RemoteShell.quote(remote + "/scripts/launch.sh"), Duration.ofSeconds(5)).stdout());
    }

    @Test
    void anInterruptedPushResumesWithOnlyTheMissingFiles(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        String remote = tmp.resolve("remote").toString();
        ship(b, remote).push();
        // as if the transfer died: one file missing, the large one cut short, and no local transfer record
        t.run("cd " + RemoteShell.quote(remote) + " && rm inputs/data/f3.bin && truncate -s 1000 inputs/big.bin", Duration.ofSeconds(5));
        Files.delete(b.resolve("runtime").resolve(ShipState.FILE));
        BundleShip.Report r = ship(b, remote).push();
        assertEquals(2, r.filesSent(), r.toString());
        assertEquals(r.files() - 2, r.hashedRemotely(), "the rest is compared by sha256 on both sides");
        assertEquals(BundleShip.sha256(b.resolve("inputs/big.bin")), remoteSha(remote, "inputs/big.bin"));
        // a same-size change on the host is found by content
        t.run("cd " + RemoteShell.quote(remote) + " && printf 'X' | dd of=inputs/data/f5.bin bs=1 seek=10 conv=notrunc status=none && touch -d @1 inputs/data/f5.bin", Duration.ofSeconds(5));
        BundleShip.Report fixed = ship(b, remote).push();
        assertEquals(1, fixed.filesSent(), fixed.toString());
        assertEquals(BundleShip.sha256(b.resolve("inputs/data/f5.bin")), remoteSha(remote, "inputs/data/f5.bin"));
    }

    static void remote(String remote, String script) {
        Transport.Result r = t.run("cd " + RemoteShell.quote(remote) + " && " + script, Duration.ofSeconds(20));
        assertTrue(r.ok(), r.stderr());
    }

    @Test
    void pullAppendsGrownLogsAndNeverShortensEvidence(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        String remote = tmp.resolve("remote").toString();
        ship(b, remote).push();
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 500; i++) log.append("step ").append(i).append(" loss 0.").append(i).append('\n');
        Files.writeString(tmp.resolve("log1"), log);
        remote(remote, "mkdir -p artifacts/checkpoints/v0/checkpoint-10 && cp " + tmp.resolve("log1") + " artifacts/training.log"
                + " && echo '{\"a\":1}' > artifacts/checkpoints/v0/logging.jsonl && echo w > artifacts/checkpoints/v0/checkpoint-10/weights"
                + " && echo 2026-11-28T18:00:00.000Z > runtime/heartbeat && echo '{\"state\":\"running\"}' > runtime/last_run.json");
        EvidencePull.Report p1 = new EvidencePull(t, b, remote).pull();
        assertEquals(4, p1.fetched(), p1.toString());
        assertEquals(log.toString(), Files.readString(b.resolve("artifacts/training.log")));
        assertFalse(Files.exists(b.resolve("runtime/last_run.json")), "the run state is merged by the target, not copied");

        for (int i = 500; i < 600; i++) log.append("step ").append(i).append('\n');
        Files.writeString(tmp.resolve("log2"), log);
        remote(remote, "cat " + tmp.resolve("log2") + " > artifacts/training.log && echo 2026-11-28T18:00:05.000Z > runtime/heartbeat");
        EvidencePull.Report p2 = new EvidencePull(t, b, remote).pull();
        assertEquals(1, p2.appended(), p2.toString());
        assertEquals(1, p2.fetched(), "the same-size heartbeat with a new mtime is fetched again: " + p2);
        assertEquals(log.toString(), Files.readString(b.resolve("artifacts/training.log")));
        assertEquals("2026-11-28T18:00:05.000Z\n", Files.readString(b.resolve("runtime/heartbeat")));

        // the host's copy is truncated (disk full, a dying host): the longer local evidence stays
        remote(remote, "truncate -s 100 artifacts/training.log");
        EvidencePull.Report p3 = new EvidencePull(t, b, remote).pull();
        assertTrue(p3.keptLonger().contains("artifacts/training.log"), p3.toString());
        assertEquals(log.toString(), Files.readString(b.resolve("artifacts/training.log")));

        // rewritten on the host with different bytes and longer: the tail check notices and fetches it whole
        remote(remote, "yes rewritten | head -n 2000 > artifacts/training.log");
        new EvidencePull(t, b, remote).pull();
        assertEquals(BundleShip.sha256(b.resolve("artifacts/training.log")), remoteSha(remote, "artifacts/training.log"));
    }

    @Test
    void hostileRemoteNamesAreNeverWrittenOutsideTheBundle(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        String remote = tmp.resolve("remote").toString();
        ship(b, remote).push();
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        remote(remote, "ln -s /etc artifacts/etc && ln -s " + outside + " artifacts/out && ln -s /etc/hostname runtime/host-link"
                + " && mkdir -p artifacts/sub && printf 'x' > \"artifacts/sub/..x\" && printf 'y' > artifacts/ok.txt"
                + " && mkdir -p artifacts/local-link-target && echo z > artifacts/local-link-target/f");
        // a local directory that is a symlink leading out of the bundle must not be written through either
        Files.createSymbolicLink(b.resolve("artifacts/local-link-target"), outside);
        EvidencePull.Report r = new EvidencePull(t, b, remote).pull();
        String refused = String.join("|", r.refused());
        assertTrue(refused.contains("artifacts/etc (symlink"), refused);
        assertTrue(refused.contains("artifacts/out (symlink"), refused);
        assertTrue(refused.contains("runtime/host-link (symlink"), refused);
        assertTrue(refused.contains("artifacts/local-link-target/f"), refused);
        assertEquals("y", Files.readString(b.resolve("artifacts/ok.txt")));
        assertEquals("x", Files.readString(b.resolve("artifacts/sub/..x")), "a name that merely starts with dots is a normal file");
        assertFalse(Files.isSymbolicLink(b.resolve("artifacts/etc")));
        assertFalse(Files.exists(b.resolve("artifacts/etc")));
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through a link");
        }
        EvidencePull pull = new EvidencePull(t, b, remote);
        for (String bad : List.of("../x", "runtime/../../x", "/etc/passwd", "artifacts/./x", "inputs/x", "artifacts", "artifacts//x", "artifacts/a\\b")) {
            assertNotNull(pull.unsafeName(bad), bad);
        }
        assertNull(pull.unsafeName("artifacts/checkpoints/v0/logging.jsonl"));
    }

    @Test
    void bulkTransferOverOpenSshChecksTheSameKnownHostsStrictly(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        String remote = tmp.resolve("remote").toString();
        Transport bulk = OpenSshTransport.ifAvailable(sshd.address(), sshd.options()).orElseThrow();
        BundleShip.Report r = ship(b, remote).bulkVia(bulk).bulkAbove(0).streams(2).push();
        assertEquals(r.files(), r.filesSent(), r.toString());
        assertEquals(BundleShip.sha256(b.resolve("inputs/big.bin")), remoteSha(remote, "inputs/big.bin"));
        assertEquals(BundleShip.sha256(b.resolve("inputs/data/f19.bin")), remoteSha(remote, "inputs/data/f19.bin"));

        Path empty = tmp.resolve("known_hosts");
        Files.writeString(empty, "");
        Transport stranger = OpenSshTransport.ifAvailable(sshd.address(), sshd.options().withKnownHosts(empty)).orElseThrow();
        Files.writeString(b.resolve("scripts/launch.sh"), "echo changed\n");
        orbit.OrbitException e = assertThrows(orbit.OrbitException.class, () -> ship(b, remote).bulkVia(stranger).bulkAbove(0).push());
        assertTrue(e.getMessage().contains("refused the host key"), e.getMessage());
        assertEquals("", Files.readString(empty), "nothing was added to known_hosts");
        assertEquals("echo hi\n", t.run("cat " + RemoteShell.quote(remote + "/scripts/launch.sh"), Duration.ofSeconds(5)).stdout());
    }

    @Test
    void aPushStoppedInsideALargeFileResumesAfterTheRangesTheHostConfirmed(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        String remote = tmp.resolve("remote").toString();
        long big = Files.size(b.resolve("inputs/big.bin"));
        // stop the push once two ranges of the large file are through (one connection, largest pieces first)
        RuntimeException stop = new RuntimeException("stopped on purpose");
        RuntimeException e = assertThrows(RuntimeException.class, () -> ship(b, remote).streams(1).onProgress(p -> {
            if (p.bytesSent() > 2 * SMALL_CHUNK + 1000) throw stop;
        }).push());
        assertFalse(t.run("test -e " + RemoteShell.quote(remote + "/inputs/big.bin"), Duration.ofSeconds(5)).ok(),
                "a half-sent file never carries its real name");
        ShipState saved = ShipState.load(b.resolve("runtime"), sshd.address() + ":" + remote);
        assertEquals(2, saved.partial().get("inputs/big.bin").done().size(), saved.toString());

        BundleShip.Report r = ship(b, remote).streams(1).push();
        assertTrue(r.bytesSent() < r.bytes() - 2 * SMALL_CHUNK + 1, "the confirmed ranges are not sent again: " + r);
        assertEquals(BundleShip.sha256(b.resolve("inputs/big.bin")), remoteSha(remote, "inputs/big.bin"));
        assertEquals(big, Long.parseLong(t.run("stat -c %s " + RemoteShell.quote(remote + "/inputs/big.bin"), Duration.ofSeconds(5)).stdout().strip()));
        assertTrue(ShipState.load(b.resolve("runtime"), sshd.address() + ":" + remote).partial().isEmpty());
        assertEquals(0, ship(b, remote).push().filesSent());
    }

    @Test
    void longNonAsciiAndNewlineNamesArriveIntact(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        List<String> names = List.of("inputs/" + "n".repeat(150) + ".txt", "inputs/données/été.txt", "inputs/two\nlines.txt",
                "inputs/" + "d".repeat(120) + "/" + "e".repeat(120) + ".bin");
        for (String n : names) {
            Files.createDirectories(b.resolve(n).getParent());
            Files.writeString(b.resolve(n), "content of " + n);
        }
        String remote = tmp.resolve("remote").toString();
        BundleShip.Report r = ship(b, remote).push();
        assertEquals(r.files(), r.filesSent(), r.toString());
        for (String n : names) assertEquals(BundleShip.sha256(b.resolve(n)), remoteSha(remote, n), n);
        assertEquals(0, ship(b, remote).push().filesSent(), "the listing reads the same names back");
    }

    @Test
    void trackedSymlinksOfAStagedCheckoutSurviveTheShipAndItsTreeStaysClean(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        Path co = b.resolve("inputs/upstream/env");
        Files.createDirectories(co.resolve("sub"));
        Files.writeString(co.resolve("real.txt"), "real\n");
        Files.writeString(co.resolve("sub/x.py"), "x = 1\n");
        Files.createSymbolicLink(co.resolve("link.txt"), Path.of("real.txt"));
        Files.createSymbolicLink(co.resolve("sub/up.txt"), Path.of("../real.txt"));
        Files.createSymbolicLink(co.resolve("dirlink"), Path.of("sub"));
        git(co, "init", "-q");
        git(co, "add", "-A");
        git(co, "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "links");
        // never recreated on the host: absolute, or leading out of inputs/
        Files.createSymbolicLink(b.resolve("inputs/abs"), Path.of("/etc/hostname"));
        Files.createSymbolicLink(b.resolve("inputs/out"), Path.of("../scripts"));

        String remote = tmp.resolve("remote").toString();
        BundleShip.Report r = ship(b, remote).push();
        assertEquals(List.of("inputs/abs", "inputs/out"), r.skippedLinks().stream().sorted().toList(), r.toString());
        for (String[] l : new String[][] {{"link.txt", "real.txt"}, {"sub/up.txt", "../real.txt"}, {"dirlink", "sub"}}) {
            assertEquals(l[1] + "\n", t.run("readlink " + RemoteShell.quote(remote + "/inputs/upstream/env/" + l[0]), Duration.ofSeconds(5)).stdout(), l[0]);
        }
        Transport.Result status = t.run("cd " + RemoteShell.quote(remote + "/inputs/upstream/env")
                + " && git --no-optional-locks status --porcelain=v1 --untracked-files=all", Duration.ofSeconds(20));
        assertTrue(status.ok(), status.stderr());
        assertEquals("", status.stdout(), "the shipped checkout is clean");
        assertFalse(t.run("test -e " + RemoteShell.quote(remote + "/inputs/abs") + " || test -L " + RemoteShell.quote(remote + "/inputs/abs"),
                Duration.ofSeconds(5)).ok());

        BundleShip.Report again = ship(b, remote).push();
        assertEquals(0, again.filesSent(), again.toString());
        Files.delete(co.resolve("link.txt"));
        Files.createSymbolicLink(co.resolve("link.txt"), Path.of("sub/x.py"));
        ship(b, remote).push();
        assertEquals("sub/x.py\n", t.run("readlink " + RemoteShell.quote(remote + "/inputs/upstream/env/link.txt"), Duration.ofSeconds(5)).stdout());
    }

    static void git(Path dir, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void manySmallFilesInManyDirectoriesOverFourStreamsAllLand(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        byte[] x = new byte[3000];
        new Random(7).nextBytes(x);
        // file i goes to directory i % 40: every small tar touches many directories the others touch too
        for (int i = 0; i < 400; i++) {
            Path f = b.resolve("inputs/many/d" + (i % 40) + "/sub/m" + i);
            Files.createDirectories(f.getParent());
            Files.write(f, x);
        }
        String remote = tmp.resolve("remote").toString();
        // many small tars on four connections at once; each makes the directories it needs first
        BundleShip.Report r = new BundleShip(t, b, remote).chunk(12 << 10).streams(4).push();
        assertEquals(r.files(), r.filesSent(), r.toString());
        assertEquals("400", t.run("find " + RemoteShell.quote(remote + "/inputs/many") + " -type f | wc -l", Duration.ofSeconds(10)).stdout().strip());
        assertEquals(BundleShip.sha256(b.resolve("inputs/big.bin")), remoteSha(remote, "inputs/big.bin"));
    }

    @Test
    void progressIsReported(@TempDir Path tmp) throws Exception {
        Path b = bundle(tmp);
        List<BundleShip.Progress> seen = new ArrayList<>();
        ship(b, tmp.resolve("remote").toString()).onProgress(p -> {
            synchronized (seen) {
                seen.add(p);
            }
        }).push();
        BundleShip.Progress last = seen.get(seen.size() - 1);
        assertEquals(last.bytesToSend(), last.bytesSent());
        assertTrue(last.toString().contains("MiB/s"), last.toString());
        assertEquals(new String(Files.readAllBytes(b.resolve("job.json")), StandardCharsets.UTF_8), "{\"name\":\"b\"}\n");
    }
}
