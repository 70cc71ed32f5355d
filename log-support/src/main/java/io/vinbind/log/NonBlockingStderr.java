package io.vinbind.log;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * Standard error that never blocks the process. A command line's log goes to stderr; when whoever started
 * the process does not read that pipe (a supervisor that ignores it, a test harness that reads only stdout),
 * the pipe fills after 64 KiB and every further write blocks, including the one in a logging call on the
 * thread that was about to give up at its timeout. tinylog's own {@code writingthread = true} does not help:
 * its queue has no bound, and at exit its shutdown hook joins the writing thread, which is blocked in the
 * same write, so the JVM never exits.
 *
 * <p>{@link #install()} replaces {@link System#err} (which tinylog's console writer, picocli's error output
 * and uncaught-exception traces all use) with a stream that hands its bytes to a bounded buffer drained by a
 * daemon thread. While the pipe takes what is written, a write returns once its bytes are out (so output
 * keeps its order with stdout and nothing is lost at exit); when the pipe has taken nothing for
 * {@link #DEFAULT_PATIENCE}, writes only fill the buffer and return at once, and once the buffer is full
 * they are dropped and counted. When the pipe drains again the buffered bytes follow, then one line saying
 * how many bytes were dropped. stdout is left alone: it is the command's output, and blocking on it is what
 * a pipe to {@code head} expects.
 */
public final class NonBlockingStderr extends OutputStream {

    /** Buffered bytes while the pipe does not drain: some 500 log lines. */
    public static final int DEFAULT_CAPACITY = 64 * 1024;
    /** How long a write waits for its bytes to go out before the pipe counts as stalled. */
    public static final Duration DEFAULT_PATIENCE = Duration.ofMillis(200);

    private static NonBlockingStderr installed;

    private final OutputStream target;
    private final byte[] ring;
    private final long patienceNanos;
    private final Thread drain;
    // all guarded by this
    private int head;
    private int size;
    private long accepted;
    private long written;
    private long droppedBytes;
    private long droppedTotal;
    private boolean dropping;
    private boolean stalled;
    private boolean failed;

    NonBlockingStderr(OutputStream target, int capacity, Duration patience) {
        this.target = Objects.requireNonNull(target, "target");
        if (capacity < 256) {
            throw new IllegalArgumentException("capacity must be at least 256 bytes, got " + capacity);
        }
        this.ring = new byte[capacity];
        this.patienceNanos = patience.toNanos();
        this.drain = new Thread(this::drainLoop, "stderr-drain");
        drain.setDaemon(true);
        drain.start();
    }

    /**
     * Makes {@link System#err} non-blocking for the rest of the process (idempotent). Call it first thing in
     * a command line's {@code main}, before anything logs.
     */
    public static synchronized NonBlockingStderr install() {
        if (installed == null) {
            installed = new NonBlockingStderr(new FileOutputStream(FileDescriptor.err), DEFAULT_CAPACITY,
                    DEFAULT_PATIENCE);
            System.setErr(new PrintStream(installed, true, stderrCharset()));
        }
        return installed;
    }

    private static Charset stderrCharset() {
        String name = System.getProperty("sun.stderr.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (length == 0) {
            return;
        }
        synchronized (this) {
            if (failed) {
                return; // stderr is gone (closed by the parent); nothing to tell anyone
            }
            if (dropping && size == 0) {
                noteDropped();
            }
            if (dropping || length > ring.length - size) {
                dropping = true;
                droppedBytes += length;
                droppedTotal += length;
                return;
            }
            put(bytes, offset, length);
            notifyAll();
            awaitWritten(accepted);
        }
    }

    /** Waits (bounded) until what was written so far is out, unless the pipe is stalled. */
    @Override
    public synchronized void flush() {
        awaitWritten(accepted);
    }

    /** Bytes dropped since the stream was made, because the buffer was full. */
    public synchronized long droppedBytes() {
        return droppedTotal;
    }

    /** True while the pipe has not taken anything for the patience time and writes do not wait. */
    public synchronized boolean stalled() {
        return stalled;
    }

    private void awaitWritten(long position) {
        if (stalled) {
            return;
        }
        long deadline = System.nanoTime() + patienceNanos;
        boolean interrupted = false;
        while (written < position && !failed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                stalled = true;
                break;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                interrupted = true; // a logging call is no place to lose an interrupt, nor to give up on it
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void noteDropped() {
        byte[] note = ("[stderr was not read: " + droppedBytes + " bytes of log output dropped]"
                + System.lineSeparator()).getBytes(StandardCharsets.US_ASCII);
        dropping = false;
        droppedBytes = 0;
        put(note, 0, Math.min(note.length, ring.length));
    }

    private void put(byte[] bytes, int offset, int length) {
        int tail = (head + size) % ring.length;
        int first = Math.min(length, ring.length - tail);
        System.arraycopy(bytes, offset, ring, tail, first);
        System.arraycopy(bytes, offset + first, ring, 0, length - first);
        size += length;
        accepted += length;
    }

    private void drainLoop() {
        byte[] chunk = new byte[8192];
        while (true) {
            int n;
            synchronized (this) {
                while (size == 0) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return; // only ever interrupted by tests tearing down
                    }
                }
                n = Math.min(size, Math.min(chunk.length, ring.length - head));
                System.arraycopy(ring, head, chunk, 0, n);
            }
            try {
                target.write(chunk, 0, n);
                target.flush();
            } catch (IOException e) {
                synchronized (this) {
                    failed = true;
                    size = 0;
                    notifyAll();
                }
                return;
            }
            synchronized (this) {
                head = (head + n) % ring.length;
                size -= n;
                written += n;
                stalled = false;
                if (size == 0 && dropping) {
                    noteDropped();
                }
                notifyAll();
            }
        }
    }
}
