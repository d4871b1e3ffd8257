package orbit.ssh;

import orbit.OrbitException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Pushes what the execution plane needs (job.json, inputs/, scripts/) to a remote directory, by content:
 * a file whose size and sha256 already match the remote copy is not sent. Files go over {@link ShipStream}s,
 * one exec each carrying many sections (tars of whole files, byte ranges of large ones), two connections at
 * once for large pushes. An interrupted push resumes: whole files already there match and are skipped, and
 * the ranges of a large file the host confirmed are not sent again.
 */
public final class BundleShip {
    /** The parts of a bundle the control plane owns and ships; runtime/ and artifacts/ flow the other way. */
    public static final List<String> SHIPPED = List.of("job.json", "inputs", "scripts");
    static final Duration LIST_TIMEOUT = Duration.ofMinutes(2);

    public record Progress(long bytesSent, long bytesToSend, int filesSent, int filesToSend, Duration elapsed) {
        public double mibPerSecond() {
            double s = Math.max(1e-3, elapsed.toNanos() / 1e9);
            return bytesSent / (1024.0 * 1024.0) / s;
        }

        @Override
        public String toString() {
            return String.format("shipping %d/%d files, %.1f/%.1f MiB at %.0f MiB/s", filesSent, filesToSend,
                    bytesSent / 1048576.0, bytesToSend / 1048576.0, mibPerSecond());
        }
    }

    public record Report(String remoteDir, int files, int filesSent, int filesSkipped, long bytes, long bytesSent,
                         int hashedRemotely, List<String> skippedLinks, Duration took) {
        @Override
        public String toString() {
            return String.format("shipped %d of %d files (%.1f of %.1f MiB) to %s in %.2f s; %d unchanged%s",
                    filesSent, files, bytesSent / 1048576.0, bytes / 1048576.0, remoteDir, took.toNanos() / 1e9, filesSkipped,
                    skippedLinks.isEmpty() ? "" : "; symlinks not shipped: " + skippedLinks);
        }
    }

    record LocalFile(String path, Path file, long size, long mtimeNs, int mode) {}

    /**
     * A symlink that is recreated on the host as it is here: relative, and pointing inside the part of the bundle it
     * sits in (a pinned upstream's tracked symlinks, for one). Others are not shipped and are listed in the report.
     */
    record LocalLink(String path, String target) {}

    record RemoteFile(long size, String mtime) {}

    private final Transport transport;
    private final Path bundleDir;
    private final String remoteDir;
    private int streams = 0;
    private Consumer<Progress> progress = p -> {};

    public BundleShip(Transport transport, Path bundleDir, String remoteDir) {
        this.transport = transport;
        this.bundleDir = bundleDir;
        this.remoteDir = remoteDir;
    }

    /** Called with progress after every buffer sent, from the sending threads (a display should throttle). */
    public BundleShip onProgress(Consumer<Progress> listener) {
        this.progress = listener;
        return this;
    }

    /** Size of the ranges large files are cut into (and of tar batches); tests make it small. */
    BundleShip chunk(long bytes) {
        this.chunk = bytes;
        return this;
    }

    /**
     * Carries the bulk streams over another transport (the OpenSSH client, whose ciphers are several times
     * faster than sshj's); listing, hashing and finishing stay on the main one.
     */
    public BundleShip bulkVia(Transport bulk) {
        this.bulk = bulk;
        return this;
    }

    /** Pushes smaller than this stay on the main transport (tests lower it). */
    BundleShip bulkAbove(long bytes) {
        this.bulkMin = bytes;
        return this;
    }

    /** Parallel connections for the transfer; 0 picks by size. */
    public BundleShip streams(int n) {
        this.streams = n;
        return this;
    }

    public static String defaultRemoteDir(String bundleName) {
        return "~/orbit/bundles/" + bundleName;
    }

    public Report push() {
        long t0 = System.nanoTime();
        Path runtime = bundleDir.resolve("runtime");
        String remoteKey = transport.address() + ":" + remoteDir;
        ShipState state = ShipState.load(runtime, remoteKey);
        List<String> links = new ArrayList<>();
        List<LocalFile> local = listLocal(links);
        trace("list local", t0);
        // Files the last push did not leave on this host as they are now will most likely be sent. When that is a
        // lot, the bulk connections are opened at once and the first one lists the host: the connections are
        // made while nothing else waits for them, and no separate listing exec is needed.
        long likely = 0;
        for (LocalFile f : local) {
            ShipState.Entry e = state.files().get(f.path());
            if (e == null || e.size() != f.size() || e.mtimeNs() != f.mtimeNs()) likely += f.size();
        }
        List<ShipStream> open = new ArrayList<>();
        try {
            Map<String, RemoteFile> remote;
            if (bulk != null && likely >= bulkMin) {
                int n = streamCount(likely);
                for (int i = 0; i < n; i++) open.add(ShipStream.open(bulk, i > 0, remoteDir));
                remote = open.get(0).list();
            } else {
                remote = listRemote();
            }
            trace("list remote", t0);
            // ranges an interrupted push already wrote count only for the same local file and a part on the host that long
            resume.clear();
            for (LocalFile f : local) {
                ShipState.Partial p = state.partial().get(f.path());
                RemoteFile part = remote.get(f.path() + PART);
                if (p == null || p.size() != f.size() || p.mtimeNs() != f.mtimeNs() || p.unit() <= 0 || part == null) continue;
                long reach = p.done().stream().mapToLong(off -> Math.min(f.size(), off + p.unit())).max().orElse(0);
                if (part.size() >= reach) resume.put(f.path(), p);
            }
            base = state;

            List<LocalFile> toSend = new ArrayList<>();
            List<LocalFile> toHash = new ArrayList<>();
            Map<String, ShipState.Entry> next = new HashMap<>();
            for (LocalFile f : local) {
                RemoteFile r = remote.get(f.path());
                ShipState.Entry e = state.files().get(f.path());
                if (r == null || r.size() != f.size()) {
                    toSend.add(f);
                } else if (e != null && e.size() == f.size() && e.mtimeNs() == f.mtimeNs() && r.mtime().equals(e.remoteMtime())) {
                    next.put(f.path(), e); // both sides untouched since they were known equal
                } else {
                    toHash.add(f);
                }
            }
            if (!toHash.isEmpty()) {
                List<String> remoteSums = remoteSha256(toHash);
                for (int i = 0; i < toHash.size(); i++) {
                    LocalFile f = toHash.get(i);
                    String sha = sha256(f.file());
                    if (sha.equals(remoteSums.get(i))) {
                        next.put(f.path(), new ShipState.Entry(f.size(), f.mtimeNs(), sha, remote.get(f.path()).mtime()));
                    } else {
                        toSend.add(f);
                    }
                }
            }
            long bytes = local.stream().mapToLong(LocalFile::size).sum();
            long bytesToSend = toSend.stream().mapToLong(LocalFile::size).sum();
            if (!toSend.isEmpty()) {
                if (open.isEmpty()) {
                    // a new OpenSSH connection costs a few hundred ms: worth it only when there is a lot to carry
                    Transport via = bulk != null && bytesToSend >= bulkMin ? bulk : transport;
                    int n = streamCount(bytesToSend);
                    for (int i = 0; i < n; i++) open.add(ShipStream.open(via, i > 0, remoteDir));
                }
                Map<String, RemoteFile> after = send(toSend, bytesToSend, open, t0);
                trace("send", t0);
                for (LocalFile f : toSend) {
                    RemoteFile r = after.get(f.path());
                    if (r == null || r.size() != f.size()) {
                        throw new OrbitException(f.path() + " did not arrive whole on " + transport.address() + ": run the push again (it resumes)");
                    }
                    next.put(f.path(), new ShipState.Entry(f.size(), f.mtimeNs(), null, r.mtime()));
                }
            }
            for (ShipStream s : open) s.close();
            if (!shippedLinks.isEmpty()) placeLinks(shippedLinks);
            partial.clear();
            ShipState now = new ShipState(ShipState.SCHEMA, remoteKey, next, Map.of());
            if (!now.equals(state)) now.save(runtime); // an unchanged record is not written again (two fsyncs)
            return new Report(remoteDir, local.size(), toSend.size(), local.size() - toSend.size(), bytes, toSend.isEmpty() ? 0 : bytesActuallySent,
                    toHash.size(), links, Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            for (ShipStream s : open) s.abandon();
        }
    }

    /** Parallel connections: two keep both ends' cores busy (one stream is a pipeline of four processes); more only when asked. */
    private int streamCount(long bytes) {
        return streams > 0 ? streams : bytes >= (32L << 20) ? 2 : 1;
    }

    private static final boolean TRACE = System.getenv("ORBIT_SHIP_TRACE") != null;

    private static void trace(String what, long t0) {
        if (TRACE) System.err.printf("ship: %-12s %.3f s%n", what, (System.nanoTime() - t0) / 1e9);
    }

    private final List<LocalLink> shippedLinks = new ArrayList<>();

    /** One exec: each link made on the host unless it is there already with the same target. */
    private void placeLinks(List<LocalLink> links) {
        ByteArrayOutputStream pairs = new ByteArrayOutputStream();
        for (LocalLink l : links) {
            pairs.writeBytes(l.path().getBytes(StandardCharsets.UTF_8));
            pairs.write(0);
            pairs.writeBytes(l.target().getBytes(StandardCharsets.UTF_8));
            pairs.write(0);
        }
        String cmd = "cd " + RemoteShell.dir(remoteDir) + " && while IFS= read -r -d '' p && IFS= read -r -d '' t; do"
                + " if [ -L \"$p\" ] && [ \"$(readlink -- \"$p\")\" = \"$t\" ]; then continue; fi;"
                + " case $p in */*) mkdir -p -- \"${p%/*}\" || exit 1 ;; esac;"
                + " rm -f -- \"$p\" && ln -s -- \"$t\" \"$p\" || exit 1; done";
        Transport.Result r = transport.run(cmd, pairs.toByteArray(), LIST_TIMEOUT);
        if (!r.ok()) {
            throw new OrbitException("cannot make the bundle's symlinks in " + remoteDir + " on " + transport.address() + ": " + r.stderr().strip());
        }
    }

    private List<LocalFile> listLocal(List<String> links) {
        List<LocalFile> out = new ArrayList<>();
        shippedLinks.clear();
        for (String top : SHIPPED) {
            Path start = bundleDir.resolve(top);
            if (!Files.exists(start, LinkOption.NOFOLLOW_LINKS)) continue;
            try (Stream<Path> walk = Files.walk(start)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    String rel = bundleDir.relativize(p).toString().replace('\\', '/');
                    if (Files.isSymbolicLink(p)) {
                        Path target = Files.readSymbolicLink(p);
                        if (!target.isAbsolute() && p.getParent().resolve(target).normalize().startsWith(start)) {
                            shippedLinks.add(new LocalLink(rel, target.toString()));
                        } else {
                            links.add(rel);
                        }
                        continue;
                    }
                    PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!a.isRegularFile()) continue;
                    out.add(new LocalFile(rel, p, a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), mode(a.permissions())));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + start, e);
            }
        }
        out.sort(Comparator.comparing(LocalFile::path));
        return out;
    }

    private static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) m |= 1 << (8 - p.ordinal());
        return m;
    }

    /** One exec: makes the layout, then lists size, mtime and path of every shipped file, NUL-separated. */
    private Map<String, RemoteFile> listRemote() {
        String d = RemoteShell.dir(remoteDir);
        String cmd = "mkdir -p " + d + "/runtime " + d + "/artifacts && cd " + d
                + " && { find job.json inputs scripts -type f -printf '%s %T@ %p\\0' 2>/dev/null; true; }";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = transport.exec(cmd, null, in -> in.transferTo(out), err, LIST_TIMEOUT);
        if (rc != 0) {
            throw new OrbitException("cannot prepare " + remoteDir + " on " + transport.address() + ": " + err.toString(StandardCharsets.UTF_8).strip());
        }
        Map<String, RemoteFile> map = new HashMap<>();
        for (String rec : out.toString(StandardCharsets.UTF_8).split("\0")) {
            if (rec.isEmpty()) continue;
            int a = rec.indexOf(' ');
            int b = rec.indexOf(' ', a + 1);
            if (a < 0 || b < 0) continue;
            map.put(rec.substring(b + 1), new RemoteFile(Long.parseLong(rec.substring(0, a)), rec.substring(a + 1, b)));
        }
        return map;
    }

    /** sha256 of each file on the host, in order, in one exec. */
    private List<String> remoteSha256(List<LocalFile> files) {
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        for (LocalFile f : files) {
            names.writeBytes(f.path().getBytes(StandardCharsets.UTF_8));
            names.write(0);
        }
        String cmd = "cd " + RemoteShell.dir(remoteDir) + " && xargs -0 sha256sum --";
        Transport.Result r = transport.run(cmd, names.toByteArray(), LIST_TIMEOUT);
        List<String> sums = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (line.isEmpty()) continue;
            String l = line.startsWith("\\") ? line.substring(1) : line;
            sums.add(l.length() >= 64 ? l.substring(0, 64) : "");
        }
        while (sums.size() < files.size()) sums.add("");
        return sums;
    }

    /** Large files are cut into ranges of this size so several connections can carry one file, and a stopped push resumes after the last confirmed one. */
    static final long CHUNK = 64L << 20;
    private long chunk = 0;
    private Transport bulk;
    private long bulkMin = BULK_MIN;
    private final Map<String, ShipState.Partial> resume = new HashMap<>();
    private final Map<String, ShipState.Partial> partial = new java.util.concurrent.ConcurrentHashMap<>();
    private ShipState base;
    private long bytesActuallySent;
    static final String PART = ".orbit-part";

    /** One section of a stream: a tar of whole files, or one byte range of a large file. */
    sealed interface Unit permits TarUnit, RangeUnit {}

    record TarUnit(List<LocalFile> files) implements Unit {}

    record RangeUnit(LocalFile file, long offset, long length) implements Unit {}

    static final long BULK_MIN = 64L << 20;

    /**
     * Sends the files over the open streams, each taking the next unit from one queue; when all are through, the
     * first stream gives the assembled large files their names and lists the host. Returns that listing.
     */
    private Map<String, RemoteFile> send(List<LocalFile> files, long bytesToSend, List<ShipStream> streams, long t0) {
        long chunk = this.chunk > 0 ? this.chunk : CHUNK;
        List<LocalFile> large = files.stream().filter(f -> f.size() > chunk || resume.containsKey(f.path())).toList();
        Set<LocalFile> largeSet = new java.util.HashSet<>(large);
        List<LocalFile> whole = files.stream().filter(f -> !largeSet.contains(f)).toList();
        List<Unit> units = new ArrayList<>();
        Map<String, AtomicLong> rangesLeft = new HashMap<>();
        for (LocalFile f : large) {
            ShipState.Partial p = resume.get(f.path());
            long unit = p != null ? p.unit() : chunk;
            Set<Long> done = p != null ? new java.util.HashSet<>(p.done()) : Set.of();
            partial.put(f.path(), new ShipState.Partial(f.size(), f.mtimeNs(), unit, new ArrayList<>(done)));
            AtomicLong left = new AtomicLong();
            for (long off = 0; off < f.size(); off += unit) {
                if (done.contains(off)) continue;
                units.add(new RangeUnit(f, off, Math.min(unit, f.size() - off)));
                left.incrementAndGet();
            }
            rangesLeft.put(f.path(), left);
        }
        List<LocalFile> batch = new ArrayList<>();
        long batchBytes = 0;
        for (LocalFile f : whole) {
            batch.add(f);
            batchBytes += f.size() + 512;
            if (batchBytes >= chunk) {
                units.add(new TarUnit(batch));
                batch = new ArrayList<>();
                batchBytes = 0;
            }
        }
        if (!batch.isEmpty()) units.add(new TarUnit(batch));
        Lanes queue = new Lanes(units, streams.size());

        AtomicLong sent = new AtomicLong();
        AtomicLong sentFiles = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        // called after every buffer written (about one per MiB); displays throttle themselves
        Runnable report = () -> progress.accept(new Progress(sent.get(), bytesToSend, (int) sentFiles.get(), files.size(),
                Duration.ofNanos(System.nanoTime() - t0)));
        TarStream.Sent counted = n -> {
            sent.addAndGet(n);
            report.run();
        };
        java.util.function.ObjIntConsumer<ShipStream> worker = (s, lane) -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            try {
                for (Unit u; !stop.get() && (u = queue.next(lane)) != null; ) {
                    if (u instanceof TarUnit tu) {
                        s.tar(tu.files(), buf, counted, f -> sentFiles.incrementAndGet(), () -> {});
                    } else if (u instanceof RangeUnit ru) {
                        s.range(ru.file(), ru.offset(), ru.length(), buf, counted, () -> rangeDone(ru));
                        if (rangesLeft.get(ru.file().path()).decrementAndGet() == 0) sentFiles.incrementAndGet();
                    }
                }
            } catch (RuntimeException e) {
                stop.set(true);
                throw e;
            }
        };
        ExecutorService pool = streams.size() > 1 ? Executors.newFixedThreadPool(streams.size() - 1) : null;
        try {
            List<Future<?>> others = new ArrayList<>();
            for (int i = 1; i < streams.size(); i++) {
                ShipStream s = streams.get(i);
                int lane = i;
                others.add(pool.submit(() -> {
                    worker.accept(s, lane);
                    s.close(); // every section it carried is confirmed
                }));
            }
            worker.accept(streams.get(0), 0);
            for (Future<?> f : others) f.get();
            ShipStream first = streams.get(0);
            for (LocalFile f : large) first.finish(f, () -> {});
            Map<String, RemoteFile> after = first.list();
            progress.accept(new Progress(sent.get(), bytesToSend, (int) sentFiles.get(), files.size(), Duration.ofNanos(System.nanoTime() - t0)));
            bytesActuallySent = sent.get();
            return after;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrbitException("push interrupted: run it again, it resumes");
        } finally {
            stop.set(true);
            if (pool != null) {
                pool.shutdown();
                try {
                    // the other streams end their current section and close before anything is reported
                    pool.awaitTermination(1, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Records a range the host confirmed, at once, so a push that stops later resumes after it. */
    private synchronized void rangeDone(RangeUnit ru) {
        ShipState.Partial p = partial.get(ru.file().path());
        List<Long> done = new ArrayList<>(p.done());
        done.add(ru.offset());
        partial.put(ru.file().path(), new ShipState.Partial(p.size(), p.mtimeNs(), p.unit(), done));
        new ShipState(ShipState.SCHEMA, base.remote(), base.files(), partial).save(bundleDir.resolve("runtime"));
    }

    /**
     * One lane of units per stream, so that two streams rarely write the same file or create files in the same
     * directory at once (the host's kernel serializes both, and spinning on those locks costs CPU): the ranges of
     * one large file stay in one lane, as do the tars, lanes balanced by an estimate of the host's work. A stream
     * whose lane is empty takes from the far end of the fullest other lane.
     */
    static final class Lanes {
        /** Creating a file costs the host about as much as receiving this many bytes. */
        static final long FILE_COST = 256 << 10;
        private final List<java.util.ArrayDeque<Unit>> lanes = new ArrayList<>();
        private final long[] left;

        Lanes(List<Unit> units, int n) {
            left = new long[n];
            for (int i = 0; i < n; i++) lanes.add(new java.util.ArrayDeque<>());
            // groups: the ranges of each large file, and all tars
            Map<Object, List<Unit>> groups = new java.util.LinkedHashMap<>();
            for (Unit u : units) groups.computeIfAbsent(u instanceof RangeUnit r ? r.file().path() : TarUnit.class, k -> new ArrayList<>()).add(u);
            List<List<Unit>> ordered = new ArrayList<>(groups.values());
            ordered.sort(Comparator.comparingLong((List<Unit> g) -> g.stream().mapToLong(Lanes::cost).sum()).reversed());
            List<List<Unit>> chosen = new ArrayList<>();
            for (int i = 0; i < n; i++) chosen.add(new ArrayList<>());
            for (List<Unit> g : ordered) {
                int least = 0;
                for (int i = 1; i < n; i++) if (left[i] < left[least]) least = i;
                chosen.get(least).addAll(g);
                left[least] += g.stream().mapToLong(Lanes::cost).sum();
            }
            // largest pieces first in each lane: what is left for another stream to take at the end is small
            for (int i = 0; i < n; i++) {
                chosen.get(i).sort(Comparator.comparingLong(BundleShip::unitBytes).reversed());
                lanes.get(i).addAll(chosen.get(i));
            }
        }

        static long cost(Unit u) {
            return u instanceof TarUnit t ? unitBytes(u) + FILE_COST * t.files().size() : unitBytes(u);
        }

        synchronized Unit next(int lane) {
            Unit u = lanes.get(lane).pollFirst();
            if (u == null) {
                int fullest = -1;
                for (int i = 0; i < left.length; i++) {
                    if (!lanes.get(i).isEmpty() && (fullest < 0 || left[i] > left[fullest])) fullest = i;
                }
                if (fullest < 0) return null;
                u = lanes.get(fullest).pollLast();
                left[fullest] -= cost(u);
                return u;
            }
            left[lane] -= cost(u);
            return u;
        }
    }

    static long unitBytes(Unit u) {
        if (u instanceof RangeUnit r) return r.length();
        return ((TarUnit) u).files().stream().mapToLong(f -> f.size() + 512).sum();
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        MessageDigest md = newSha256();
        byte[] b = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(b)) > 0) md.update(b, 0, n);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
