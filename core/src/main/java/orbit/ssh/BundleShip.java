package orbit.ssh;

import orbit.OrbitException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * a file whose size and sha256 already match the remote copy is not sent. Files go as tar streams over
 * exec channels (GNU tar extracts on the host), on several connections at once for large pushes.
 * An interrupted push resumes: whole files already there match and are skipped.
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
        // the same exec makes the layout and clears leftovers of an interrupted range transfer
        long splitAbove = chunk > 0 ? chunk : MIN_UNIT;
        Map<String, RemoteFile> remote = listRemote("mkdir -p runtime artifacts" + prepareParts(local.stream().filter(f -> f.size() > splitAbove).toList()));
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
        trace("list remote", t0);

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
        Map<String, String> sentSums = new java.util.concurrent.ConcurrentHashMap<>();
        if (!toSend.isEmpty()) {
            List<LocalFile> split = send(toSend, bytesToSend, sentSums, t0);
            trace("send", t0);
            Map<String, RemoteFile> after = listRemote("true" + finishParts(split));
            trace("list after", t0);
            for (LocalFile f : toSend) {
                RemoteFile r = after.get(f.path());
                if (r == null || r.size() != f.size()) {
                    throw new OrbitException(f.path() + " did not arrive whole on " + transport.address() + ": run the push again (it resumes)");
                }
                next.put(f.path(), new ShipState.Entry(f.size(), f.mtimeNs(), sentSums.get(f.path()), r.mtime()));
            }
        }
        partial.clear();
        new ShipState(ShipState.SCHEMA, remoteKey, next, Map.of()).save(runtime);
        return new Report(remoteDir, local.size(), toSend.size(), local.size() - toSend.size(), bytes, toSend.isEmpty() ? 0 : bytesActuallySent,
                toHash.size(), links, Duration.ofNanos(System.nanoTime() - t0));
    }

    private static final boolean TRACE = System.getenv("ORBIT_SHIP_TRACE") != null;

    private static void trace(String what, long t0) {
        if (TRACE) System.err.printf("ship: %-12s %.3f s%n", what, (System.nanoTime() - t0) / 1e9);
    }

    private List<LocalFile> listLocal(List<String> links) {
        List<LocalFile> out = new ArrayList<>();
        for (String top : SHIPPED) {
            Path start = bundleDir.resolve(top);
            if (!Files.exists(start, LinkOption.NOFOLLOW_LINKS)) continue;
            try (Stream<Path> walk = Files.walk(start)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    String rel = bundleDir.relativize(p).toString().replace('\\', '/');
                    if (Files.isSymbolicLink(p)) {
                        links.add(rel);
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

    /** One exec: {@code first} (commands run in the remote directory), then size, mtime and path of every shipped file, NUL-separated. */
    private Map<String, RemoteFile> listRemote(String first) {
        String d = RemoteShell.dir(remoteDir);
        String cmd = "mkdir -p " + d + " && cd " + d + " && " + first
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

    /** Large files are cut into ranges of this size so several connections can carry one file. */
    static final long CHUNK = 64L << 20;
    private long chunk = 0;
    private Transport bulk;
    private long bulkMin = BULK_MIN;
    private final Map<String, ShipState.Partial> resume = new HashMap<>();
    private final Map<String, ShipState.Partial> partial = new java.util.concurrent.ConcurrentHashMap<>();
    private ShipState base;
    private long bytesActuallySent;
    static final String PART = ".orbit-part";

    /** One piece of work for one connection: a tar of whole files, or one byte range of a large file. */
    sealed interface Unit permits TarUnit, RangeUnit {}

    record TarUnit(List<LocalFile> files) implements Unit {}

    record RangeUnit(LocalFile file, long offset, long length) implements Unit {}

    static final long MIN_UNIT = 8L << 20;
    static final long BULK_MIN = 64L << 20;

    /** Sends the files; returns those sent as ranges (they still need {@link #finishParts}). */
    private List<LocalFile> send(List<LocalFile> files, long bytesToSend, Map<String, String> sums, long t0) {
        int n = streams > 0 ? streams : bytesToSend >= (256L << 20) ? 4 : bytesToSend >= (32L << 20) ? 2 : 1;
        // about one unit per connection (each exec, and each OpenSSH connection, has a fixed cost), at most CHUNK
        // when few connections carry a lot, so a resumed push and the progress display stay fine-grained
        long chunk = this.chunk > 0 ? this.chunk : Math.max(MIN_UNIT, Math.min(4 * CHUNK, (bytesToSend + n - 1) / n));
        List<LocalFile> large = files.stream().filter(f -> f.size() > chunk || resume.containsKey(f.path())).toList();
        List<LocalFile> whole = files.stream().filter(f -> !large.contains(f)).toList();
        java.util.concurrent.ConcurrentLinkedQueue<Unit> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (LocalFile f : large) {
            ShipState.Partial p = resume.get(f.path());
            long unit = p != null ? p.unit() : chunk;
            java.util.Set<Long> done = p != null ? new java.util.HashSet<>(p.done()) : java.util.Set.of();
            partial.put(f.path(), new ShipState.Partial(f.size(), f.mtimeNs(), unit, new ArrayList<>(done)));
            for (long off = 0; off < f.size(); off += unit) {
                if (!done.contains(off)) queue.add(new RangeUnit(f, off, Math.min(unit, f.size() - off)));
            }
        }
        List<LocalFile> batch = new ArrayList<>();
        long batchBytes = 0;
        for (LocalFile f : whole) {
            batch.add(f);
            batchBytes += f.size() + 512;
            if (batchBytes >= chunk) {
                queue.add(new TarUnit(batch));
                batch = new ArrayList<>();
                batchBytes = 0;
            }
        }
        if (!batch.isEmpty()) queue.add(new TarUnit(batch));
        List<Unit> ordered = new ArrayList<>(queue);
        ordered.sort(Comparator.comparingLong(BundleShip::unitBytes).reversed()); // largest first keeps connections evenly busy
        queue.clear();
        queue.addAll(ordered);
        n = Math.max(1, Math.min(n, queue.size()));

        AtomicLong sent = new AtomicLong();
        AtomicLong sentFiles = new AtomicLong();
        // called after every buffer written (about one per MiB); displays throttle themselves
        Runnable report = () -> progress.accept(new Progress(sent.get(), bytesToSend, (int) sentFiles.get(), files.size(),
                Duration.ofNanos(System.nanoTime() - t0)));
        Map<String, AtomicLong> rangesLeft = new HashMap<>();
        for (LocalFile f : large) rangesLeft.put(f.path(), new AtomicLong((f.size() + chunk - 1) / chunk));
        java.util.function.Consumer<Transport> worker = t -> {
            for (Unit u; (u = queue.poll()) != null; ) {
                if (u instanceof TarUnit tu) {
                    sendTar(t, tu.files(), sums, sent, sentFiles, report);
                } else if (u instanceof RangeUnit ru) {
                    sendRange(t, ru, sent, report);
                    rangeDone(ru);
                    if (rangesLeft.get(ru.file().path()).decrementAndGet() == 0) sentFiles.incrementAndGet();
                }
            }
        };
        // a new OpenSSH connection costs a few hundred ms: worth it only when there is a lot to carry
        Transport main = bulk != null && bytesToSend >= bulkMin ? bulk : transport;
        if (n == 1) {
            worker.accept(main);
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(n);
            List<Transport> extra = java.util.Collections.synchronizedList(new ArrayList<>());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    boolean first = i == 0;
                    futures.add(pool.submit(() -> {
                        Transport t = first ? main : main.another();
                        if (!first && t != main) extra.add(t);
                        worker.accept(t);
                    }));
                }
                for (Future<?> f : futures) f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OrbitException("push interrupted: run it again, it resumes");
            } finally {
                pool.shutdownNow();
                extra.forEach(Transport::close);
            }
        }
        progress.accept(new Progress(sent.get(), bytesToSend, (int) sentFiles.get(), files.size(), Duration.ofNanos(System.nanoTime() - t0)));
        bytesActuallySent = sent.get();
        return large;
    }

    /** Records a range the host confirmed, at once, so a push that stops later resumes after it. */
    private synchronized void rangeDone(RangeUnit ru) {
        ShipState.Partial p = partial.get(ru.file().path());
        List<Long> done = new ArrayList<>(p.done());
        done.add(ru.offset());
        partial.put(ru.file().path(), new ShipState.Partial(p.size(), p.mtimeNs(), p.unit(), done));
        new ShipState(ShipState.SCHEMA, base.remote(), base.files(), partial).save(bundleDir.resolve("runtime"));
    }

    static long unitBytes(Unit u) {
        if (u instanceof RangeUnit r) return r.length();
        return ((TarUnit) u).files().stream().mapToLong(f -> f.size() + 512).sum();
    }

    /**
     * Ranges land in PATH.orbit-part, so a half-sent file never carries the real name. A part left by an
     * interrupted push stays: unconfirmed ranges are all written again and truncate drops any longer tail.
     */
    private static String prepareParts(List<LocalFile> large) {
        StringBuilder cmd = new StringBuilder();
        for (LocalFile f : large) {
            String part = RemoteShell.quote(f.path() + PART);
            cmd.append(" && mkdir -p -- \"$(dirname -- ").append(part).append(")\"");
        }
        return cmd.toString();
    }

    /** Gives each assembled file its size, mode and mtime, then its real name. */
    private static String finishParts(List<LocalFile> large) {
        StringBuilder cmd = new StringBuilder();
        for (LocalFile f : large) {
            String part = RemoteShell.quote(f.path() + PART);
            long sec = Math.floorDiv(f.mtimeNs(), 1_000_000_000L);
            long ns = Math.floorMod(f.mtimeNs(), 1_000_000_000L);
            cmd.append(" && truncate -s ").append(f.size()).append(" -- ").append(part)
                    .append(" && chmod ").append(Integer.toOctalString(f.mode())).append(" -- ").append(part)
                    .append(" && touch -d ").append(String.format("@%d.%09d", sec, ns)).append(" -- ").append(part)
                    .append(" && mv -f -- ").append(part).append(' ').append(RemoteShell.quote(f.path()));
        }
        return cmd.toString();
    }

    private void sendRange(Transport t, RangeUnit u, AtomicLong sent, Runnable report) {
        String cmd = "cd " + RemoteShell.dir(remoteDir) + " && dd of=" + RemoteShell.quote(u.file().path() + PART)
                + " bs=1M seek=" + u.offset() + " oflag=seek_bytes conv=notrunc status=none";
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = t.exec(cmd, stdin -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            try (FileChannel ch = FileChannel.open(u.file().file(), StandardOpenOption.READ)) {
                long pos = u.offset();
                long end = u.offset() + u.length();
                while (pos < end) {
                    buf.clear();
                    if (end - pos < buf.capacity()) buf.limit((int) (end - pos));
                    int n = ch.read(buf, pos);
                    if (n < 0) throw new OrbitException(u.file().path() + " shrank while it was being shipped: run the push again");
                    stdin.write(buf.array(), 0, n);
                    pos += n;
                    sent.addAndGet(n);
                    report.run();
                }
            }
        }, null, err, Duration.ofHours(12));
        if (rc != 0) {
            throw new OrbitException("writing " + u.file().path() + " on " + t.address() + " failed (" + err.toString(StandardCharsets.UTF_8).strip()
                    + "): check free disk space on the host and run the push again (it resumes)");
        }
    }

    private void sendTar(Transport t, List<LocalFile> files, Map<String, String> sums, AtomicLong sent, AtomicLong sentFiles, Runnable report) {
        String cmd = "cd " + RemoteShell.dir(remoteDir) + " && tar -xf - --no-same-owner";
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = t.exec(cmd, stdin -> writeTar(stdin, files, sums, sent, sentFiles, report), null, err, Duration.ofHours(12));
        if (rc != 0) {
            throw new OrbitException("tar on " + t.address() + " failed (" + err.toString(StandardCharsets.UTF_8).strip()
                    + "): check free disk space on the host and run the push again (it resumes)");
        }
    }

    private static void writeTar(OutputStream stdin, List<LocalFile> files, Map<String, String> sums, AtomicLong sent, AtomicLong sentFiles, Runnable report) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(stdin, 1 << 20), 512 * 64)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            for (LocalFile f : files) {
                TarArchiveEntry e = new TarArchiveEntry(f.path());
                e.setSize(f.size());
                e.setMode(f.mode());
                e.setModTime(java.nio.file.attribute.FileTime.from(f.mtimeNs(), TimeUnit.NANOSECONDS));
                tar.putArchiveEntry(e);
                long left = f.size();
                try (FileChannel ch = FileChannel.open(f.file(), StandardOpenOption.READ)) {
                    while (left > 0) {
                        buf.clear();
                        if (left < buf.capacity()) buf.limit((int) left);
                        int n = ch.read(buf);
                        if (n < 0) throw new OrbitException(f.path() + " shrank while it was being shipped: run the push again");
                        tar.write(buf.array(), 0, n);
                        left -= n;
                        sent.addAndGet(n);
                        report.run();
                    }
                }
                tar.closeArchiveEntry();
                sentFiles.incrementAndGet();
            }
            tar.finish();
        }
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
