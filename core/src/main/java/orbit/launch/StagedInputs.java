package orbit.launch;

import orbit.OrbitException;
import orbit.bundle.Bundle;
import orbit.bundle.Digests;
import orbit.bundle.Inputs;
import orbit.bundle.BytecodeCache;
import orbit.bundle.InputsIndex;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * The launch-time re-check of inputs/ against inputs/.orbit-index.json: a staged copy can change after staging
 * (a hard link shares its bytes with the source), and the run must read what was staged or not run at all.
 * Files that were never staged are `bundle validate`'s concern, not a reason to stop a run.
 */
final class StagedInputs {
    private StagedInputs() {}

    private static String stripSlash(String p) {
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /** Refuses, in one line naming the first bad file, when a staged file is missing or its digest changed. */
    static void verify(Bundle b) {
        InputsIndex index = Inputs.of(b).index();
        int bad = 0;
        String first = null;
        // a staged fork is proven file by file against its FORK_MANIFEST.json by the run's own precheck, which
        // records the mismatch as the run's evidence (precheck_failed naming the file) rather than refusing here
        String fork = b.job().fork() == null || b.job().fork().path() == null ? null : stripSlash(b.job().fork().path()) + "/";
        for (Map.Entry<String, InputsIndex.Entry> e : index.files().entrySet()) {
            if (fork != null && e.getKey().startsWith(fork) || BytecodeCache.isCache(e.getKey())) continue;
            Path f = b.inputsDir().resolve(e.getKey());
            String problem = null;
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                problem = "inputs/" + e.getKey() + ": missing";
            } else if (!Digests.sha256(f).equals(e.getValue().sha256())) {
                problem = "inputs/" + e.getKey() + ": content changed since it was staged (a hard-linked source edited in place?)";
            }
            if (problem != null && bad++ == 0) first = problem;
        }
        if (first != null) {
            throw new OrbitException("bundle " + b.name() + ": " + first + (bad > 1 ? " (and " + (bad - 1) + " more)" : "")
                    + ": stage it again with `orbit bundle stage --replace`, then launch");
        }
    }
}
