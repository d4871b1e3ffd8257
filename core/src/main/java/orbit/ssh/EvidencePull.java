package orbit.ssh;

import com.fasterxml.jackson.annotation.JsonProperty;
import orbit.bundle.AtomicFile;
import orbit.bundle.Json;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Brings runtime/ and artifacts/ of a remote bundle back, evidence first:
 * <ul>
 * <li>nothing is written outside the local bundle: names with {@code ..}, absolute names, symlinks and
 *     anything that is not a regular file on the host are refused and reported;</li>
 * <li>a longer local file is never replaced by a shorter remote one (a truncated copy on a dying host must
 *     not destroy what was already collected);</li>
 * <li>logs that only grew are fetched from where the local copy ends (after checking that the last local
 *     bytes still match), everything else whole through a tar stream, written to a temp file and renamed.</li>
 * </ul>
 * Files the control side owns (runtime/last_run.json and the transfer state) are not pulled: the run's
 * state comes from the host through {@code SshRunHandle} and is merged, not copied.
 */
public final class EvidencePull {
    public static final List<String> PULLED = List.of("runtime", "artifacts");
    /** Control-side files: never overwritten by the host's copy. */
    public static final Set<String> CONTROL_FILES = Set.of("runtime/last_run.json", "runtime/" + ShipState.FILE,
            "runtime/" + EvidencePull.STATE_FILE, "runtime/ssh.json", "runtime/known_hosts", "runtime/ssh-watch.log", "runtime/.ssh-watch.lock");
    public static final String STATE_FILE = "pull-state.json";
    static final int OVERLAP = 4096;
    static final Duration TIMEOUT = Duration.ofMinutes(30);

    public record Report(int remoteFiles, int fetched, int appended, long bytes, List<String> refused,
                         List<String> keptLonger, Duration took) {
        @Override
        public String toString() {
            return String.format("pulled %d file(s) whole and %d by their new tail (%.1f KiB) of %d in %.2f s%s%s",
                    fetched, appended, bytes / 1024.0, remoteFiles, took.toNanos() / 1e9,
                    refused.isEmpty() ? "" : "; refused: " + refused,
                    keptLonger.isEmpty() ? "" : "; kept longer local copy of: " + keptLonger);
        }
    }

    /** runtime/pull-state.json: the remote mtime each file had when it was last fetched. */
    public record PullState(@JsonProperty("remote") String remote, @JsonProperty("mtimes") Map<String, String> mtimes) {
        public PullState {
            mtimes = mtimes == null ? new TreeMap<>() : new TreeMap<>(mtimes);
        }
    }

    record RemoteEntry(char type, long size, String mtime, String path) {}

    private final Transport transport;
    private final Path bundleDir;
    private final String remoteDir;

    public EvidencePull(Transport transport, Path bundleDir, String remoteDir) {
        this.transport = transport;
        this.bundleDir = bundleDir.toAbsolutePath().normalize();
        this.remoteDir = remoteDir;
    }

    public Report pull() {
        long t0 = System.nanoTime();
        String key = transport.address() + ":" + remoteDir;
        PullState state = loadState(key);
        List<String> refused = new ArrayList<>();
        List<String> keptLonger = new ArrayList<>();
        List<RemoteEntry> listing = list();
        Map<String, RemoteEntry> whole = new LinkedHashMap<>();
        Map<String, RemoteEntry> tails = new LinkedHashMap<>();
        int files = 0;
        for (RemoteEntry e : listing) {
            if (e.type() == 'd') continue;
            String why = refusal(e);
            if (why != null) {
                refused.add(printable(e.path()) + " (" + why + ")");
                continue;
            }
            if (CONTROL_FILES.contains(e.path()) || isArchivedRunState(e.path()) || isTransient(e.path())) continue;
            files++;
            Path local = bundleDir.resolve(e.path());
            long localSize;
            try {
                localSize = Files.isRegularFile(local, LinkOption.NOFOLLOW_LINKS) ? Files.size(local) : -1;
            } catch (IOException ex) {
                localSize = -1;
            }
            if (localSize < 0) {
                whole.put(e.path(), e);
            } else if (localSize > e.size()) {
                keptLonger.add(e.path());
            } else if (localSize == e.size()) {
                if (!e.mtime().equals(state.mtimes().get(e.path()))) whole.put(e.path(), e);
            } else if (localSize >= OVERLAP) {
                tails.put(e.path(), e);
            } else {
                whole.put(e.path(), e);
            }
        }
        long[] bytes = {0};
        int appended = 0;
        if (!tails.isEmpty()) {
            List<String> mismatched = fetchTails(tails, bytes);
            for (String p : mismatched) whole.put(p, tails.get(p));
            appended = tails.size() - mismatched.size();
            for (Map.Entry<String, RemoteEntry> t : tails.entrySet()) {
                if (!mismatched.contains(t.getKey())) state.mtimes().put(t.getKey(), t.getValue().mtime());
            }
        }
        int fetched = 0;
        if (!whole.isEmpty()) fetched = fetchWhole(whole, state, bytes, keptLonger);
        AtomicFile.writeJson(bundleDir.resolve("runtime").resolve(STATE_FILE), new PullState(key, state.mtimes()));
        return new Report(files, fetched, appended, bytes[0], refused, keptLonger, Duration.ofNanos(System.nanoTime() - t0));
    }

    private PullState loadState(String key) {
        Path f = bundleDir.resolve("runtime").resolve(STATE_FILE);
        try {
            if (Files.isRegularFile(f)) {
                PullState s = Json.MAPPER.readValue(f.toFile(), PullState.class);
                if (key.equals(s.remote())) return s;
            }
        } catch (IOException e) {
            // a damaged cache only costs fetching same-size files again
        }
        return new PullState(key, new TreeMap<>());
    }

    private List<RemoteEntry> list() {
        String cmd = "cd " + RemoteShell.dir(remoteDir) + " && { find runtime artifacts -mindepth 1 -printf '%y %s %T@ %p\\0' 2>/dev/null; true; }";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = transport.exec(cmd, null, in -> in.transferTo(out), err, TIMEOUT);
        if (rc != 0) {
            throw new orbit.OrbitException("cannot list " + remoteDir + " on " + transport.address() + ": "
                    + err.toString(StandardCharsets.UTF_8).strip() + " (was the bundle shipped there?)");
        }
        List<RemoteEntry> list = new ArrayList<>();
        for (String rec : out.toString(StandardCharsets.UTF_8).split("\0")) {
            if (rec.length() < 6) continue;
            int a = rec.indexOf(' ', 2);
            int b = rec.indexOf(' ', a + 1);
            if (a < 0 || b < 0) continue;
            try {
                list.add(new RemoteEntry(rec.charAt(0), Long.parseLong(rec.substring(2, a)), rec.substring(a + 1, b), rec.substring(b + 1)));
            } catch (NumberFormatException e) {
                // a record we cannot read is not a file we fetch
            }
        }
        return list;
    }

    /** Why a remote entry must not be written locally, or null when it may. */
    String refusal(RemoteEntry e) {
        if (e.type() == 'l') return "symlink on the host";
        if (e.type() != 'f') return "not a regular file on the host";
        return unsafeName(e.path());
    }

    /** Null when {@code rel} names a file strictly inside runtime/ or artifacts/ of the local bundle. */
    String unsafeName(String rel) {
        if (rel.isEmpty() || rel.startsWith("/") || rel.indexOf('\0') >= 0 || rel.indexOf('\\') >= 0) return "unsafe name";
        String[] parts = rel.split("/", -1);
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".") || p.equals("..")) return "unsafe name";
        }
        if (parts.length < 2 || !PULLED.contains(parts[0])) return "outside runtime/ and artifacts/";
        Path local = bundleDir.resolve(rel).normalize();
        if (!local.startsWith(bundleDir.resolve(parts[0]))) return "outside the bundle";
        // every directory on the way must be a real directory of the bundle, not a link leading elsewhere
        Path dir = bundleDir;
        for (int i = 0; i < parts.length - 1; i++) {
            dir = dir.resolve(parts[i]);
            if (Files.isSymbolicLink(dir)) return "local " + bundleDir.relativize(dir) + " is a symlink";
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return "local " + bundleDir.relativize(dir) + " is not a directory";
            }
        }
        if (Files.isSymbolicLink(local)) return "local copy is a symlink";
        return null;
    }

    /** runtime/runs/ID/last_run.json: the control side archived its own merged copy (it may say lost or cancelled). */
    private static boolean isArchivedRunState(String rel) {
        return rel.startsWith("runtime/runs/") && rel.endsWith("/last_run.json") && rel.split("/").length == 4;
    }

    private static boolean isTransient(String rel) {
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        return name.startsWith(".") && name.contains(".tmp");
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c < 0x20 || c == 0x7f ? '?' : c);
        return b.toString();
    }

    /**
     * One exec for every grown file: the host sends, per file, the byte count and the bytes from
     * (local size - overlap) to its end. The overlap must equal the last local bytes, or the file was
     * rewritten and is fetched whole instead. Returns the paths whose overlap did not match.
     */
    private List<String> fetchTails(Map<String, RemoteEntry> tails, long[] bytes) {
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        List<String> order = new ArrayList<>(tails.keySet());
        Map<String, Long> from = new HashMap<>();
        for (String p : order) {
            long localSize = sizeOf(bundleDir.resolve(p));
            long off = localSize - OVERLAP;
            from.put(p, off);
            req.writeBytes((off + "\0" + p + "\0").getBytes(StandardCharsets.UTF_8));
        }
        // the copy to a temp file fixes the count before it is announced, so a file that changes meanwhile cannot desync the stream
        String script = "cd " + RemoteShell.dir(remoteDir) + " || exit 1\n"
                + "t=$(mktemp) || exit 1\ntrap 'rm -f \"$t\"' EXIT\n"
                + "while IFS= read -r -d '' off && IFS= read -r -d '' p; do\n"
                + "  tail -c +$((off + 1)) -- \"$p\" >\"$t\" 2>/dev/null || : >\"$t\"\n"
                + "  printf '%s\\n' \"$(stat -c %s -- \"$t\")\"\n"
                + "  cat -- \"$t\"\n"
                + "done\n";
        List<String> mismatched = new ArrayList<>();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        transport.exec("bash -c " + RemoteShell.quote(script), os -> os.write(req.toByteArray()), in -> {
            DataInputStream data = new DataInputStream(in);
            for (String p : order) {
                long n = Long.parseLong(readLine(data));
                Path local = bundleDir.resolve(p);
                if (n < OVERLAP) {
                    data.skipNBytes(n);
                    mismatched.add(p);
                    continue;
                }
                byte[] head = data.readNBytes(OVERLAP);
                byte[] mine = lastBytes(local, OVERLAP, from.get(p));
                if (!Arrays.equals(head, mine)) {
                    data.skipNBytes(n - OVERLAP);
                    mismatched.add(p);
                    continue;
                }
                try (OutputStream out = Files.newOutputStream(local, StandardOpenOption.WRITE, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS)) {
                    long left = n - OVERLAP;
                    byte[] buf = new byte[1 << 16];
                    while (left > 0) {
                        int r = data.read(buf, 0, (int) Math.min(buf.length, left));
                        if (r < 0) throw new EOFException("host stopped sending " + p);
                        out.write(buf, 0, r);
                        left -= r;
                        bytes[0] += r;
                    }
                }
            }
        }, err, TIMEOUT);
        return mismatched;
    }

    private static String readLine(DataInputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new EOFException("host stopped sending");
            b.append((char) c);
        }
        return b.toString().strip();
    }

    private static byte[] lastBytes(Path file, int n, long offset) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[n];
            raf.seek(offset);
            raf.readFully(b);
            return b;
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One tar stream from the host; each entry lands in a temp file and is renamed once tar reported success. */
    private int fetchWhole(Map<String, RemoteEntry> want, PullState state, long[] bytes, List<String> keptLonger) {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (String p : want.keySet()) names.writeBytes((p + "\0").getBytes(StandardCharsets.UTF_8));
        Map<String, Path> staged = new LinkedHashMap<>();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc;
        try {
            rc = transport.exec("cd " + RemoteShell.dir(remoteDir) + " && tar -cf - --null --no-recursion -T -",
                    os -> os.write(names.toByteArray()),
                    in -> readTar(in, want, staged, bytes), err, TIMEOUT);
        } catch (RuntimeException e) {
            staged.values().forEach(EvidencePull::deleteQuietly);
            throw e;
        }
        String errText = err.toString(StandardCharsets.UTF_8);
        int committed = 0;
        for (Map.Entry<String, Path> s : staged.entrySet()) {
            String p = s.getKey();
            // tar pads a file that shrank while it read it; such a copy is not evidence
            boolean suspect = rc != 0 && errText.contains(p);
            Path local = bundleDir.resolve(p);
            try {
                if (suspect) {
                    deleteQuietly(s.getValue());
                    continue;
                }
                if (Files.isRegularFile(local, LinkOption.NOFOLLOW_LINKS) && Files.size(local) > Files.size(s.getValue())) {
                    keptLonger.add(p);
                    deleteQuietly(s.getValue());
                    continue;
                }
                Files.move(s.getValue(), local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                state.mtimes().put(p, want.get(p).mtime());
                committed++;
            } catch (IOException e) {
                deleteQuietly(s.getValue());
                throw new UncheckedIOException("cannot write " + local, e);
            }
        }
        return committed;
    }

    private void readTar(InputStream in, Map<String, RemoteEntry> want, Map<String, Path> staged, long[] bytes) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
            String name = e.getName();
            // only what was asked for, only regular files, only names that passed the checks
            if (!want.containsKey(name) || !e.isFile() || e.isLink() || e.isSymbolicLink() || unsafeName(name) != null || staged.containsKey(name)) {
                continue;
            }
            Path local = bundleDir.resolve(name);
            Files.createDirectories(local.getParent());
            if (unsafeName(name) != null) continue; // re-checked after creating directories
            Path tmp = local.resolveSibling("." + local.getFileName() + ".orbit-pull.tmp");
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                bytes[0] += tar.transferTo(out);
            }
            staged.put(name, tmp);
        }
        in.transferTo(OutputStream.nullOutputStream());
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temp file beside evidence is harmless
        }
    }
}
