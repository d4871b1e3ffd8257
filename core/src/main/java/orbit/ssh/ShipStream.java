package orbit.ssh;

import orbit.OrbitException;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One exec on the host that receives many sections in a row: a small bash loop reads a header (NUL-separated
 * fields) from stdin, then the section's bytes, then an end mark, and answers {@code ok} on stdout once the
 * host-side command succeeded. Sections: a listing of the shipped files ({@code L}), a byte range written into
 * {@code PATH.orbit-part} with dd ({@code R}), a tar archive of whole files of known length ({@code T}), and the
 * finishing of an assembled part ({@code F}: size, mode, mtime, real name).
 *
 * <p>Why one exec for many sections: with the OpenSSH client every exec is a new connection (a key exchange
 * and a login on both ends, about 0.17 s of CPU here), and the connection can be opened before the listing is
 * back. Why the end mark: dd and head stop silently at end of input, so a stream cut inside a section must
 * never be confirmed; the mark arrives only after the whole section did.
 */
final class ShipStream implements AutoCloseable {
    /** The receiver; {@code $1} is nothing, everything it writes is relative to the bundle directory. */
    static final String RECEIVER = String.join("\n",
            "set -o pipefail",
            "r() { IFS= read -r -d '' \"$1\" || exit 90; }",
            "e() { local m; IFS= read -r -d '' m && [ \"$m\" = . ] || exit 91; printf 'ok\\0'; }",
            "mkdir -p runtime artifacts || exit 92",
            "while IFS= read -r -d '' k; do",
            "  case $k in",
            "  L) { find job.json inputs scripts -type f -printf '%s %T@ %p\\0' 2>/dev/null; printf 'L\\0'; } ;;",
            "  R) r n; r o; r p",
            "     case $p in */*) mkdir -p -- \"${p%/*}\" || exit 93 ;; esac",
            // 64 KiB writes (a pipe's worth): 1 MiB writes made the host's kernel allocate large page-cache folios,
            // which cost twice the CPU of the whole transfer on a VM measured here
            "     dd of=\"$p\" bs=64K seek=\"$o\" oflag=seek_bytes iflag=fullblock,count_bytes count=\"$n\" conv=notrunc status=none || exit 94",
            "     e ;;",
            // the directories first: two tars creating the same missing directory at once make one of them fail
            "  T) r n; r c; ds=(); for ((i = 0; i < c; i++)); do r x; ds+=(\"$x\"); done",
            "     [ \"$c\" = 0 ] || mkdir -p -- \"${ds[@]}\" || exit 98",
            "     head -c \"$n\" | tar -xf - --no-same-owner || exit 95; e ;;",
            "  F) r s; r m; r t; r p",
            "     truncate -s \"$s\" -- \"$p" + BundleShip.PART + "\" && chmod \"$m\" -- \"$p" + BundleShip.PART + "\" && touch -d \"@$t\" -- \"$p"
                    + BundleShip.PART + "\" && mv -f -- \"$p" + BundleShip.PART + "\" \"$p\" || exit 96",
            "     e ;;",
            "  *) exit 97 ;;",
            "  esac",
            "done");

    private static final String EOF = "\u0000eof";

    private final Transport base;
    private final boolean second;
    private volatile Transport transport;
    private final String remoteDir;
    private final CompletableFuture<OutputStream> stdin = new CompletableFuture<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    /** What to do when the next {@code ok} arrives, in the order the sections were sent. */
    private final ConcurrentLinkedQueue<Runnable> awaiting = new ConcurrentLinkedQueue<>();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private volatile RuntimeException failure;
    private volatile int exit = Integer.MIN_VALUE;
    private OutputStream out;
    private boolean closed;

    private ShipStream(Transport base, boolean second, String remoteDir) {
        this.base = base;
        this.second = second;
        this.transport = base;
        this.remoteDir = remoteDir;
    }

    /**
     * Starts the receiver over {@code base}, or over a second connection to the same host ({@link Transport#another()},
     * closed when the stream ends). Connecting happens in the background; the first write waits for it.
     */
    static ShipStream open(Transport base, boolean second, String remoteDir) {
        ShipStream s = new ShipStream(base, second, remoteDir);
        Thread t = new Thread(s::run, "orbit-ship-stream");
        t.setDaemon(true);
        t.start();
        return s;
    }

    private void run() {
        String d = RemoteShell.dir(remoteDir);
        String cmd = "mkdir -p " + d + " && cd " + d + " && exec bash -c " + RemoteShell.quote(RECEIVER);
        try {
            if (second) transport = base.another();
            exit = transport.exec(cmd, os -> {
                stdin.complete(os);
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("stopped");
                }
            }, this::answers, err, Duration.ofHours(12));
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            if (transport != base) transport.close();
            stdin.completeExceptionally(new IllegalStateException("the receiver on " + base.address() + " ended"));
            release.countDown();
            answers.add(EOF);
            ended.countDown();
        }
    }

    /** NUL-separated answers: {@code ok} confirms the oldest unconfirmed section, anything else is listing output. */
    private void answers(InputStream raw) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        ByteArrayOutputStream token = new ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) >= 0; ) {
                if (b != 0) {
                    token.write(b);
                    continue;
                }
                String s = token.toString(StandardCharsets.UTF_8);
                token.reset();
                if (s.equals("ok")) {
                    Runnable r = awaiting.poll();
                    if (r != null) r.run();
                } else {
                    answers.add(s);
                }
            }
        } finally {
            // the receiver is gone: a writer still blocked on its stdin has nothing left to wait for
            release.countDown();
        }
    }

    private OutputStream out() throws IOException {
        if (out == null) {
            try {
                out = new BufferedOutputStream(stdin.get(), 1 << 16);
            } catch (ExecutionException e) {
                throw ended();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OrbitException("push interrupted: run it again, it resumes");
            }
        }
        return out;
    }

    /** Why the stream cannot go on: the transport's own failure, or what the receiver said on stderr. */
    private RuntimeException ended() {
        try {
            ended.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) return failure;
        String why;
        synchronized (err) {
            why = err.toString(StandardCharsets.UTF_8).strip();
        }
        return new OrbitException("writing to " + remoteDir + " on " + transport.address() + " failed (exit " + exit
                + (why.isEmpty() ? "" : ": " + why) + "): check free disk space on the host and run the push again (it resumes)");
    }

    private void fields(String... f) throws IOException {
        OutputStream o = out();
        for (String s : f) {
            o.write(s.getBytes(StandardCharsets.UTF_8));
            o.write(0);
        }
    }

    private void endMark() throws IOException {
        fields(".");
        out.flush();
    }

    /** Size and mtime of every shipped file on the host, keyed by path. */
    Map<String, BundleShip.RemoteFile> list() {
        try {
            fields("L");
            out.flush();
        } catch (IOException e) {
            throw ended();
        }
        Map<String, BundleShip.RemoteFile> map = new HashMap<>();
        while (true) {
            String rec;
            try {
                rec = answers.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OrbitException("push interrupted: run it again, it resumes");
            }
            if (rec.equals(EOF)) throw ended();
            if (rec.equals("L")) return map;
            int a = rec.indexOf(' ');
            int b = rec.indexOf(' ', a + 1);
            if (a < 0 || b < 0) continue;
            map.put(rec.substring(b + 1), new BundleShip.RemoteFile(Long.parseLong(rec.substring(0, a)), rec.substring(a + 1, b)));
        }
    }

    /** Writes {@code length} bytes of the file from {@code offset} into its part; {@code confirmed} runs once the host wrote them. */
    void range(BundleShip.LocalFile f, long offset, long length, ByteBuffer buf, TarStream.Sent sent, Runnable confirmed) {
        awaiting.add(confirmed);
        try {
            fields("R", Long.toString(length), Long.toString(offset), f.path() + BundleShip.PART);
            try (FileChannel ch = TarStream.openLocal(f)) {
                long pos = offset;
                long end = offset + length;
                while (pos < end) {
                    buf.clear();
                    if (end - pos < buf.capacity()) buf.limit((int) (end - pos));
                    int n = TarStream.readLocal(ch, buf, pos, f);
                    if (n < 0) throw new OrbitException(f.path() + " shrank while it was being shipped: run the push again");
                    out.write(buf.array(), 0, n);
                    pos += n;
                    sent.bytes(n);
                }
            }
            endMark();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Sends whole files as one tar archive; {@code confirmed} runs once the host's tar extracted all of them. */
    void tar(List<BundleShip.LocalFile> files, ByteBuffer buf, TarStream.Sent sent, TarStream.Done done, Runnable confirmed) {
        awaiting.add(confirmed);
        try {
            java.util.Set<String> dirs = new java.util.TreeSet<>();
            for (BundleShip.LocalFile f : files) {
                int slash = f.path().lastIndexOf('/');
                if (slash > 0) dirs.add(f.path().substring(0, slash));
            }
            fields("T", Long.toString(TarStream.length(files)), Integer.toString(dirs.size()));
            fields(dirs.toArray(String[]::new));
            TarStream.write(out, files, buf, sent, done);
            endMark();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Gives an assembled part its size, mode and mtime, then its real name. */
    void finish(BundleShip.LocalFile f, Runnable confirmed) {
        awaiting.add(confirmed);
        long sec = Math.floorDiv(f.mtimeNs(), 1_000_000_000L);
        long ns = Math.floorMod(f.mtimeNs(), 1_000_000_000L);
        try {
            fields("F", Long.toString(f.size()), Integer.toOctalString(f.mode()), String.format("%d.%09d", sec, ns), f.path());
            endMark();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private RuntimeException failed(IOException e) {
        // a write fails because the receiver or the connection ended: say why it ended, not "broken pipe"
        release.countDown();
        return ended();
    }

    /**
     * Ends the input and waits for the receiver to finish; every answer it sent is handled first, so ranges the
     * host confirmed before a failure are recorded. Throws if the receiver failed or left a section unconfirmed.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (out != null) out.flush();
        } catch (IOException ignored) {
            // the receiver is gone; ended() below says why
        }
        release.countDown();
        try {
            ended.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OrbitException("push interrupted: run it again, it resumes");
        }
        if (failure != null || exit != 0 || !awaiting.isEmpty()) throw ended();
    }

    /** Like {@link #close()}, for a stream abandoned because something else failed: never throws. */
    void abandon() {
        try {
            close();
        } catch (RuntimeException ignored) {
            // the first failure is the one reported
        }
    }
}
