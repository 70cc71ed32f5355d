package io.vinbind.can.slcan;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An in-memory {@link SlcanTransport}: tests inject what the adapter "sends" and read what was written. */
final class MemoryTransport implements SlcanTransport {

    private final LinkedBlockingQueue<byte[]> incoming = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private volatile IOException readFailure;
    private volatile boolean closed;
    /** When set, everything written is also delivered to this transport's reader (a crossover cable). */
    private volatile MemoryTransport peer;

    static MemoryTransport[] crossover() {
        MemoryTransport a = new MemoryTransport();
        MemoryTransport b = new MemoryTransport();
        a.peer = b;
        b.peer = a;
        return new MemoryTransport[] {a, b};
    }

    void inject(String text) {
        incoming.add(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void failReads(IOException e) {
        readFailure = e;
    }

    synchronized String written() {
        return written.toString(StandardCharsets.ISO_8859_1);
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public int read(byte[] buffer) throws IOException {
        if (readFailure != null) {
            throw readFailure;
        }
        try {
            byte[] next = incoming.poll(20, TimeUnit.MILLISECONDS);
            if (next == null) {
                return 0;
            }
            System.arraycopy(next, 0, buffer, 0, next.length);
            return next.length;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public synchronized void write(byte[] bytes) throws IOException {
        if (closed) {
            throw new IOException("memory transport closed");
        }
        written.writeBytes(bytes);
        MemoryTransport p = peer;
        if (p != null) {
            p.incoming.add(bytes.clone());
        }
    }

    @Override
    public String description() {
        return "memory";
    }

    @Override
    public void close() {
        closed = true;
    }
}
