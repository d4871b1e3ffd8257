package orbit.targets;

import orbit.OrbitException;
import orbit.launch.LocalTarget;
import orbit.launch.Target;
import orbit.slurm.SlurmTarget;
import orbit.ssh.SshTarget;

/**
 * Turns a --target string (or last_run.json's "target") into a {@link Target}. It sits above every target
 * package so that orbit.launch names none of them; the Slurm target among them.
 */
public final class Targets {
    private Targets() {}

    public static Target parse(String spec) {
        String s = spec == null || spec.isBlank() ? LocalTarget.SPEC : spec.strip();
        if (s.equals(LocalTarget.SPEC)) return new LocalTarget();
        if (s.startsWith("ssh://")) return SshTarget.parse(s);
        if (s.equals(SlurmTarget.SPEC)) return new SlurmTarget();
        if (s.startsWith(SlurmTarget.SSH_PREFIX)) return SlurmTarget.parseSsh(s);
        throw new OrbitException("unknown target " + s + ": use --target local, --target ssh://user@host[:port], --target slurm"
                + " or --target slurm+ssh://user@login-host[:port]");
    }
}
