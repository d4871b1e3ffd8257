package orbit.kernel.wire;

import org.dflib.jjava.jupyter.messages.Message;
import org.zeromq.SocketType;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;

/**
 * The kernel's five ZeroMQ sockets, owned by one I/O thread that blocks in a poller with no timeout.
 * Inbound messages wake it at once; outbound messages are queued by any thread and wake it through a pipe.
 * No fixed-sleep loop anywhere: a request is read the moment it arrives and a reply leaves the moment it is queued.
 * The heartbeat echoes on its own thread so a busy kernel still looks alive.
 */
public final class Transport implements AutoCloseable {
    public enum Channel { SHELL, CONTROL, STDIN, IOPUB }

    private record Outgoing(Channel channel, List<byte[]> frames) {}

    private final ConnectionInfo info;
    private final WireCodec codec;
    private final ZMQ.Context context = ZMQ.context(1);
    private final ConcurrentLinkedQueue<Outgoing> outbox = new ConcurrentLinkedQueue<>();
    private final Pipe wake;
    /** Set while a wake-up byte is in the pipe: a burst of replies (busy, result, reply, idle) wakes the I/O thread once. */
    private final java.util.concurrent.atomic.AtomicBoolean wakePending = new java.util.concurrent.atomic.AtomicBoolean();
    private final CountDownLatch bound = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile RuntimeException bindFailure;
    private Thread io;
    private Thread heartbeat;

    public Transport(ConnectionInfo info) {
        this.info = info;
        this.codec = new WireCodec(info.key(), info.signatureScheme());
        try {
            this.wake = Pipe.open();
            wake.source().configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public WireCodec codec() {
        return codec;
    }

    /** Binds the sockets and starts the I/O thread; {@code inbound} gets every verified message with its channel. */
    public void start(BiConsumer<Channel, Message<?>> inbound) {
        io = new Thread(() -> ioLoop(inbound), "orbit-kernel-io");
        io.setDaemon(true);
        io.start();
        heartbeat = new Thread(this::heartbeatLoop, "orbit-kernel-heartbeat");
        heartbeat.setDaemon(true);
        heartbeat.start();
        try {
            bound.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (bindFailure != null) throw bindFailure;
    }

    public void send(Channel channel, Message<?> message) {
        if (closing) return;
        outbox.add(new Outgoing(channel, codec.encode(message)));
        poke();
    }

    /** Sends raw frames (tests and forwarding). */
    void sendFrames(Channel channel, List<byte[]> frames) {
        outbox.add(new Outgoing(channel, frames));
        poke();
    }

    private void poke() {
        if (!wakePending.compareAndSet(false, true)) return;
        try {
            wake.sink().write(ByteBuffer.wrap(new byte[] {1}));
        } catch (IOException e) {
            // the pipe closes only at shutdown; nothing left to wake
        }
    }

    private void ioLoop(BiConsumer<Channel, Message<?>> inbound) {
        ZMQ.Socket shell = context.socket(SocketType.ROUTER);
        ZMQ.Socket control = context.socket(SocketType.ROUTER);
        ZMQ.Socket stdin = context.socket(SocketType.ROUTER);
        ZMQ.Socket iopub = context.socket(SocketType.PUB);
        ZMQ.Socket[] byChannel = {shell, control, stdin, iopub};
        try {
            for (ZMQ.Socket s : byChannel) s.setLinger(1000);
            shell.bind(info.address(info.shellPort()));
            control.bind(info.address(info.controlPort()));
            stdin.bind(info.address(info.stdinPort()));
            iopub.bind(info.address(info.iopubPort()));
        } catch (RuntimeException e) {
            bindFailure = e;
            bound.countDown();
            stopped.countDown();
            return;
        }
        bound.countDown();
        ZMQ.Poller poller = context.poller(4);
        int pShell = poller.register(shell, ZMQ.Poller.POLLIN);
        int pControl = poller.register(control, ZMQ.Poller.POLLIN);
        int pStdin = poller.register(stdin, ZMQ.Poller.POLLIN);
        int pWake = poller.register(wake.source(), ZMQ.Poller.POLLIN);
        ByteBuffer drain = ByteBuffer.allocate(256);
        try {
            while (true) {
                poller.poll(-1);
                if (poller.pollin(pWake)) {
                    try {
                        while (wake.source().read(drain.clear()) > 0) { /* drain */ }
                    } catch (IOException ignored) {
                        // closed at shutdown
                    }
                    // cleared after draining and before flushing: a message queued from here on writes a fresh byte
                    wakePending.set(false);
                }
                flushOutbox(byChannel);
                if (closing) break;
                // control first: an interrupt must not wait behind a flood of shell requests
                if (poller.pollin(pControl)) readAll(control, Channel.CONTROL, inbound);
                if (poller.pollin(pShell)) readAll(shell, Channel.SHELL, inbound);
                if (poller.pollin(pStdin)) readAll(stdin, Channel.STDIN, inbound);
            }
            flushOutbox(byChannel);
        } catch (ZMQException e) {
            if (!closing) System.err.println("orbit kernel: transport stopped: " + e.getMessage());
        } finally {
            poller.close();
            for (ZMQ.Socket s : byChannel) s.close();
            stopped.countDown();
        }
    }

    private void flushOutbox(ZMQ.Socket[] byChannel) {
        Outgoing o;
        while ((o = outbox.poll()) != null) {
            ZMQ.Socket s = byChannel[o.channel().ordinal()];
            List<byte[]> f = o.frames();
            for (int i = 0; i < f.size() - 1; i++) s.sendMore(f.get(i));
            s.send(f.get(f.size() - 1), 0);
        }
    }

    private void readAll(ZMQ.Socket socket, Channel channel, BiConsumer<Channel, Message<?>> inbound) {
        while (true) {
            byte[] first = socket.recv(ZMQ.DONTWAIT);
            if (first == null) return;
            List<byte[]> frames = new ArrayList<>(8);
            frames.add(first);
            while (socket.hasReceiveMore()) frames.add(socket.recv(0));
            Message<?> m;
            try {
                m = codec.decode(frames);
            } catch (WireCodec.BadSignature e) {
                System.err.println("orbit kernel: " + e.getMessage() + " on the " + channel.name().toLowerCase() + " channel");
                continue;
            } catch (RuntimeException e) {
                System.err.println("orbit kernel: unreadable message on the " + channel.name().toLowerCase() + " channel dropped: " + e);
                continue;
            }
            inbound.accept(channel, m);
        }
    }

    private void heartbeatLoop() {
        try (ZMQ.Socket hb = context.socket(SocketType.REP)) {
            hb.setLinger(0);
            hb.bind(info.address(info.hbPort()));
            while (!closing) {
                byte[] ping = hb.recv(0);
                if (ping == null) break;
                hb.send(ping, 0);
            }
        } catch (ZMQException e) {
            // context terminated at shutdown
        }
    }

    /** Sends what is queued, closes the sockets. */
    @Override
    public void close() {
        closing = true;
        poke();
        try {
            stopped.await(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            wake.sink().close();
            wake.source().close();
        } catch (IOException ignored) {
            // closing anyway
        }
        Thread t = new Thread(context::term, "orbit-kernel-zmq-term");
        t.setDaemon(true);
        t.start();
        try {
            t.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
