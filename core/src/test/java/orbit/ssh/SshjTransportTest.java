package orbit.ssh;

import orbit.OrbitException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SshjTransportTest {
    static Path dir;
    static LoopbackSshd sshd;

    @BeforeAll
    static void startSshd() throws Exception {
        dir = Files.createTempDirectory("orbit-sshd-");
        sshd = LoopbackSshd.start(dir, List.of("ed25519", "rsa"));
    }

    @AfterAll
    static void stopSshd() {
        if (sshd != null) sshd.close();
        orbit.ssh.LoopbackSshd.deleteDir(dir);
    }

    @Test
    void runsACommandWithStdinAndExitStatus() {
        try (Transport t = SshjTransport.connect(sshd.address(), sshd.options())) {
            Transport.Result r = t.run("tr a-z A-Z; exit 3", "hello\n".getBytes(), Duration.ofSeconds(10));
            assertEquals(3, r.exitStatus());
            assertEquals("HELLO\n", r.stdout());
        }
    }

    @Test
    void unknownHostKeyIsRefusedWithItsFingerprintAndTheTrustCommand(@TempDir Path tmp) throws Exception {
        Path empty = tmp.resolve("known_hosts");
        Files.writeString(empty, "");
        OrbitException e = assertThrows(OrbitException.class,
                () -> SshjTransport.connect(sshd.address(), sshd.options().withKnownHosts(empty)));
        assertFalse(e instanceof HostUnreachableException, e.getMessage());
        assertTrue(e.getMessage().contains("is not known"), e.getMessage());
        assertTrue(e.getMessage().contains("SHA256:"), e.getMessage());
        assertTrue(e.getMessage().contains("orbit hosts trust 127.0.0.1:" + sshd.port()), e.getMessage());
        String expected = fingerprintOf(sshd.hostKeys().get(0));
        assertTrue(e.getMessage().contains(expected), e.getMessage() + " should name " + expected);
    }

    @Test
    void changedHostKeyIsRefusedAsChanged(@TempDir Path tmp) throws Exception {
        Path otherKey = tmp.resolve("other");
        LoopbackSshd.keygen("ed25519", otherKey);
        String[] pub = Files.readString(Path.of(otherKey + ".pub")).trim().split("\\s+");
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, "[127.0.0.1]:" + sshd.port() + " " + pub[0] + " " + pub[1] + "\n");
        OrbitException e = assertThrows(OrbitException.class,
                () -> SshjTransport.connect(sshd.address(), sshd.options().withKnownHosts(kh)));
        assertTrue(e.getMessage().contains("CHANGED"), e.getMessage());
    }

    @Test
    void anRsaOnlyKnownHostsLineIsEnoughWhenTheHostAlsoOffersEd25519(@TempDir Path tmp) throws Exception {
        String[] pub = Files.readString(Path.of(sshd.hostKeys().get(1) + ".pub")).trim().split("\\s+");
        assertEquals("ssh-rsa", pub[0]);
        Path kh = tmp.resolve("known_hosts");
        Files.writeString(kh, "[127.0.0.1]:" + sshd.port() + " " + pub[0] + " " + pub[1] + "\n");
        try (Transport t = SshjTransport.connect(sshd.address(), sshd.options().withKnownHosts(kh))) {
            assertEquals("ok\n", t.run("echo ok", Duration.ofSeconds(10)).stdout());
        }
    }

    @Test
    void trustingAfterAScanRecordsTheKeyAndThenConnects(@TempDir Path tmp) {
        Path kh = tmp.resolve("sub/known_hosts");
        var key = SshjTransport.scanHostKey(sshd.address(), sshd.options());
        HostKeys.record(kh, sshd.address(), key);
        HostKeys.record(kh, sshd.address(), key);
        try (Transport t = SshjTransport.connect(sshd.address(), sshd.options().withKnownHosts(kh))) {
            assertTrue(t.isConnected());
        }
    }

    @Test
    void aClosedPortIsReportedUnreachable() {
        SshAddress nowhere = new SshAddress("root", "127.0.0.1", 1);
        assertThrows(HostUnreachableException.class, () -> SshjTransport.connect(nowhere, sshd.options()));
    }

    static String fingerprintOf(Path hostKey) throws Exception {
        Process p = new ProcessBuilder("ssh-keygen", "-l", "-f", hostKey + ".pub").start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out.split("\\s+")[1];
    }
}
