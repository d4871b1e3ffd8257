package orbit.ssh;

import orbit.OrbitException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A ustar archive of whole regular files (a pax header only for a name that is long or not ASCII), written
 * by hand because its exact length must be known before the first byte goes out: on a {@link ShipStream}
 * the host's tar reads exactly that many bytes and the next section follows.
 */
final class TarStream {
    private TarStream() {}

    static final int BLOCK = 512;
    private static final long MAX_OCTAL_11 = 077777777777L;

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
        for (BundleShip.LocalFile f : files) {
            byte[] pax = pax(f);
            if (pax != null) {
                out.write(header("././@PaxHeader", 0644, pax.length, 0, (byte) 'x'));
                out.write(pax);
                out.write(new byte[(int) (padded(pax.length) - pax.length)]);
            }
            out.write(header(asciiName(f.path()), f.mode() & 07777, Math.min(f.size(), MAX_OCTAL_11), f.mtimeNs(), (byte) '0'));
            long left = f.size();
            try (FileChannel ch = openLocal(f)) {
                while (left > 0) {
                    buf.clear();
                    if (left < buf.capacity()) buf.limit((int) left);
                    int n = readLocal(ch, buf, -1, f);
                    if (n < 0) throw new OrbitException(f.path() + " shrank while it was being shipped: run the push again");
                    out.write(buf.array(), 0, n);
                    left -= n;
                    sent.bytes(n);
                }
            }
            out.write(new byte[(int) (padded(f.size()) - f.size())]);
            done.file(f);
        }
        out.write(new byte[2 * BLOCK]);
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

    private static long headerLength(BundleShip.LocalFile f) {
        byte[] pax = pax(f);
        return BLOCK + (pax == null ? 0 : BLOCK + padded(pax.length));
    }

    /** pax records for what a ustar header cannot hold: a long or non-ASCII name, a size of 8 GiB or more. */
    private static byte[] pax(BundleShip.LocalFile f) {
        StringBuilder records = new StringBuilder();
        byte[] name = f.path().getBytes(StandardCharsets.UTF_8);
        if (name.length > 100 || name.length != f.path().length() || f.path().chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            records.append(record("path", f.path()));
        }
        if (f.size() > MAX_OCTAL_11) records.append(record("size", Long.toString(f.size())));
        return records.isEmpty() ? null : records.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** "LEN key=value\n", where LEN counts the whole record including its own digits. */
    static String record(String key, String value) {
        int body = 1 + key.length() + 1 + value.getBytes(StandardCharsets.UTF_8).length + 1;
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() != Integer.toString(body).length()) len = body + Integer.toString(len).length();
        return len + " " + key + "=" + value + "\n";
    }

    private static String asciiName(String path) {
        StringBuilder s = new StringBuilder();
        for (char c : path.toCharArray()) {
            if (s.length() == 100) break;
            s.append(c >= 0x20 && c <= 0x7e ? c : '_');
        }
        return s.toString();
    }

    private static byte[] header(String name, int mode, long size, long mtimeNs, byte type) {
        byte[] h = new byte[BLOCK];
        put(h, 0, 100, name.getBytes(StandardCharsets.US_ASCII));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, Math.max(0, Math.min(MAX_OCTAL_11, Math.floorDiv(mtimeNs, 1_000_000_000L))));
        h[156] = type;
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        byte[] c = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        put(h, 148, 6, c);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        put(h, off, len - 1, padded.getBytes(StandardCharsets.US_ASCII));
        h[off + len - 1] = 0;
    }

    private static void put(byte[] h, int off, int max, byte[] b) {
        System.arraycopy(b, 0, h, off, Math.min(max, b.length));
    }
}
