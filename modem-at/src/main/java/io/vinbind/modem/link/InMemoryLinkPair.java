package io.vinbind.modem.link;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * Two connected in-memory {@link SerialLink} ends: bytes written to {@link #a()} are read from {@link #b()}
 * and vice versa. Each write is delivered as one chunk, and a read never spans two chunks, so a test that
 * writes a line in pieces sees exactly those pieces — the split reads a real UART produces.
 *
 * <p>Closing either end closes the pair (both sides then throw {@link LinkClosedException}), which is
 * what a vanishing USB device looks like to both programs. Each direction buffers at most
 * {@link #MAX_BUFFERED_BYTES}; a writer that outruns its reader that far gets an {@link IOException}
 * rather than unbounded memory growth.
 */
public final class InMemoryLinkPair implements AutoCloseable {

    /** Per-direction buffer bound. */
    public static final int MAX_BUFFERED_BYTES = 1 << 20;

    private final Pipe aToB = new Pipe();
    private final Pipe bToA = new Pipe();
    private final End a;
    private final End b;

    private InMemoryLinkPair(String name) {
        this.a = new End(name + "/a", bToA, aToB);
        this.b = new End(name + "/b", aToB, bToA);
    }

    /** A new connected pair; {@code name} shows up in logs and exception messages. */
    public static InMemoryLinkPair create(String name) {
        return new InMemoryLinkPair(Objects.requireNonNull(name, "name"));
    }

    /** One end (by convention the terminal's). */
    public SerialLink a() {
        return a;
    }

    /** The other end (by convention the simulated modem's). */
    public SerialLink b() {
        return b;
    }

    /** Closes both ends, as if the device vanished. */
    @Override
    public void close() {
        aToB.close("pair closed");
        bToA.close("pair closed");
    }

    private final class End implements SerialLink {
        private final String name;
        private final Pipe in;
        private final Pipe out;

        End(String name, Pipe in, Pipe out) {
            this.name = name;
            this.in = in;
            this.out = out;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void write(byte[] data) throws IOException {
            Objects.requireNonNull(data, "data");
            out.put(name, data.clone());
        }

        @Override
        public int read(byte[] buffer, Duration timeout) throws IOException {
            return in.take(name, buffer, timeout);
        }

        @Override
        public boolean isOpen() {
            return !in.closed && !out.closed;
        }

        @Override
        public void close() {
            InMemoryLinkPair.this.close();
        }
    }

    private static final class Pipe {
        private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
        private int headOffset;
        private int buffered;
        private volatile boolean closed;
        private String reason = "";

        synchronized void put(String link, byte[] data) throws IOException {
            if (closed) {
                throw new LinkClosedException(link, reason);
            }
            if (data.length == 0) {
                return;
            }
            if (buffered + data.length > MAX_BUFFERED_BYTES) {
                throw new IOException("in-memory link " + link + ": peer is not reading, "
                        + buffered + " bytes already buffered");
            }
            chunks.addLast(data);
            buffered += data.length;
            notifyAll();
        }

        synchronized int take(String link, byte[] buffer, Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (chunks.isEmpty() && !closed) {
                long waitNanos = deadline - System.nanoTime();
                if (waitNanos <= 0) {
                    return 0;
                }
                try {
                    long ms = waitNanos / 1_000_000;
                    wait(ms, (int) (waitNanos % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LinkClosedException(link, "reader interrupted", e);
                }
            }
            if (chunks.isEmpty()) {
                throw new LinkClosedException(link, reason);
            }
            byte[] head = chunks.peekFirst();
            int n = Math.min(buffer.length, head.length - headOffset);
            System.arraycopy(head, headOffset, buffer, 0, n);
            headOffset += n;
            buffered -= n;
            if (headOffset == head.length) {
                chunks.removeFirst();
                headOffset = 0;
            }
            return n;
        }

        synchronized void close(String why) {
            if (!closed) {
                closed = true;
                reason = why;
                // bytes already in flight are dropped, as when a device disappears
                chunks.clear();
                buffered = 0;
                notifyAll();
            }
        }
    }
}
