package orbit.launch;

import orbit.OrbitException;

/** Turns a --target string (or last_run.json's "target") into a {@link Target}. */
public final class Targets {
    private Targets() {}

    public static Target parse(String spec) {
        String s = spec == null || spec.isBlank() ? LocalTarget.SPEC : spec.strip();
        if (s.equals(LocalTarget.SPEC)) return new LocalTarget();
        if (s.startsWith("ssh://")) return orbit.ssh.SshTarget.parse(s);
        // slurm targets are parsed here when they exist.
        throw new OrbitException("unknown target " + s + ": use --target local");
    }
}
