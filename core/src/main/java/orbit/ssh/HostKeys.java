package orbit.ssh;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import orbit.OrbitException;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Host keys: the OpenSSH fingerprint of a key, the known_hosts line that trusts it, and the strict
 * verifier a connection uses. There is deliberately no way to accept a key that is not in the file.
 */
public final class HostKeys {
    private HostKeys() {}

    /** OpenSSH style: {@code ED25519 SHA256:base64-without-padding}. */
    public static String fingerprint(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob(key));
            return typeLabel(key) + " SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String typeLabel(PublicKey key) {
        KeyType t = KeyType.fromKey(key);
        return switch (t) {
            case ED25519 -> "ED25519";
            case RSA -> "RSA";
            case ECDSA256, ECDSA384, ECDSA521 -> "ECDSA";
            default -> t.toString();
        };
    }

    static byte[] blob(PublicKey key) {
        return new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    }

    /** {@code [host]:port ssh-ed25519 AAAA...} */
    public static String knownHostsLine(SshAddress address, PublicKey key) {
        return address.knownHostsName() + " " + KeyType.fromKey(key) + " " + Base64.getEncoder().encodeToString(blob(key));
    }

    /** Appends the line that trusts {@code key} for {@code address}, creating the file (0600) if needed. */
    public static void record(Path knownHosts, SshAddress address, PublicKey key) {
        try {
            Path dir = knownHosts.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            String existing = Files.exists(knownHosts) ? Files.readString(knownHosts) : "";
            String line = knownHostsLine(address, key);
            if (existing.lines().anyMatch(line::equals)) return;
            String prefix = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
            Files.writeString(knownHosts, prefix + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record host key in " + knownHosts, e);
        }
    }

    /** How a known_hosts file regards a key a host offers. */
    public enum Verdict { TRUSTED, UNKNOWN, CHANGED }

    public static Verdict check(Path knownHosts, SshAddress address, PublicKey key) {
        Strict s = Strict.load(knownHosts);
        if (s.verify(address.host(), address.port(), key)) return Verdict.TRUSTED;
        return s.refusal != null && s.refusal.changed() ? Verdict.CHANGED : Verdict.UNKNOWN;
    }

    /** What went wrong with the host's key; recorded by the verifier, read after a refused connect. */
    public record Refusal(boolean changed, PublicKey offered) {}

    /**
     * A verifier that accepts exactly the keys in one known_hosts file and remembers what it refused,
     * so the caller can say which key was offered and how to trust it.
     */
    static final class Strict extends OpenSSHKnownHosts {
        volatile Refusal refusal;

        Strict(Reader content) throws IOException {
            super(content);
        }

        static Strict load(Path file) {
            try {
                String text = Files.exists(file) ? Files.readString(file) : "";
                return new Strict(new StringReader(text));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read known hosts " + file, e);
            }
        }

        @Override
        protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
            refusal = new Refusal(false, key);
            return false;
        }

        @Override
        protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
            refusal = new Refusal(true, key);
            return false;
        }

        /**
         * The key types already trusted for this host go first in negotiation. An RSA line in known_hosts
         * reads "ssh-rsa", but servers sign with rsa-sha2-*: without the SHA-2 names the negotiation would
         * pick ed25519, find no line for it, and refuse a host OpenSSH accepts.
         */
        @Override
        public List<String> findExistingAlgorithms(String hostname, int port) {
            List<String> out = new ArrayList<>();
            for (String a : super.findExistingAlgorithms(hostname, port)) {
                if (a.equals("ssh-rsa")) {
                    out.add("rsa-sha2-512");
                    out.add("rsa-sha2-256");
                }
                if (!out.contains(a)) out.add(a);
            }
            return out;
        }
    }

    /** The one-line refusal a user sees, with the fingerprint and the command that trusts the key. */
    static OrbitException refused(SshAddress address, Path knownHosts, Refusal r) {
        String fp = fingerprint(r.offered());
        String trust = "orbit hosts trust " + address.hostAndPort() + " --known-hosts " + knownHosts;
        if (r.changed()) {
            return new OrbitException("host key of " + address.knownHostsName() + " CHANGED (now " + fp + ", not the key in "
                    + knownHosts + "): the host may be an impostor; if it was really reinstalled, remove its old line and run `" + trust + "`");
        }
        return new OrbitException("host key of " + address.knownHostsName() + " is not known (" + fp + " not in " + knownHosts
                + "): check the fingerprint with the provider, then run `" + trust + "`");
    }
}
