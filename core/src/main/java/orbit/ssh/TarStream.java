package orbit.ssh;

import orbit.OrbitException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tar archive of whole regular files (commons-compress; pax headers for long or non-ASCII names and sizes
 * past 8 GiB) whose exact length is known before the first byte goes out: on a {@link ShipStream} the host's
 * tar reads exactly that many bytes and the next section follows. The length is the headers commons-compress
 * writes for the entries (measured, so its format choices stay its own), the contents padded to 512-byte
 * records, and the two end records; records are written one at a time, so nothing pads the archive further.
 */
final class TarStream {
    private TarStream() {}

    static final int BLOCK = 512;

    /** Called after each buffer of file data written, with its length. */
    interface Sent {
        void bytes(int n);
    }

    /** Called after each whole file. */
    interface Done {
        void file(BundleShip.LocalFile f);
    }

    static long length(List<BundleShip.LocalFile> files) {
        long n = 2 * BLOCK;
        for (BundleShip.LocalFile f : files) n += headerLength(f) + padded(f.size());
        return n;
    }

    static void write(OutputStream out, List<BundleShip.LocalFile> files, ByteBuffer buf, Sent sent, Done done) throws IOException {
        TarArchiveOutputStream tar = archive(new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len); // FilterOutputStream would write byte by byte
            }

            @Override
            public void close() throws IOException {
                flush(); // the stream goes on after the archive
            }
        });
        for (BundleShip.LocalFile f : files) {
            tar.putArchiveEntry(entry(f));
            long left = f.size();
            try (FileChannel ch = openLocal(f)) {
                while (left > 0) {
                    buf.clear();
                    if (left < buf.capacity()) buf.limit((int) left);
                    int n = readLocal(ch, buf, -1, f);
                    if (n < 0) throw new OrbitException(f.path() + " shrank while it was being shipped: run the push again");
                    tar.write(buf.array(), 0, n);
                    left -= n;
                    sent.bytes(n);
                }
            }
            tar.closeArchiveEntry();
            done.file(f);
        }
        tar.finish();
        tar.close();
    }

    /** Local read failures are not the stream's: they must not be reported as a failing host. */
    static FileChannel openLocal(BundleShip.LocalFile f) {
        try {
            return FileChannel.open(f.file(), StandardOpenOption.READ);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f.file(), e);
        }
    }

    static int readLocal(FileChannel ch, ByteBuffer buf, long pos, BundleShip.LocalFile f) {
        try {
            return pos < 0 ? ch.read(buf) : ch.read(buf, pos);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f.file(), e);
        }
    }

    private static long padded(long n) {
        return (n + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static TarArchiveOutputStream archive(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, BLOCK, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    private static TarArchiveEntry entry(BundleShip.LocalFile f) {
        TarArchiveEntry e = new TarArchiveEntry(f.path(), true);
        e.setSize(f.size());
        e.setMode(TarArchiveEntry.DEFAULT_FILE_MODE & ~07777 | f.mode() & 07777);
        // whole seconds: a fractional time would cost every file a pax header
        e.setModTime(FileTime.from(Math.max(0, Math.floorDiv(f.mtimeNs(), 1_000_000_000L)), TimeUnit.SECONDS));
        return e;
    }

    /** The bytes commons-compress writes before the entry's content: its header and any pax header. */
    private static long headerLength(BundleShip.LocalFile f) {
        long[] count = {0};
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        };
        try {
            archive(counter).putArchiveEntry(entry(f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return count[0];
    }
}
