package io.vinbind.can;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The receive side every queued {@link CanChannel} shares: acceptance filters, a bounded queue (a full
 * queue drops the newest frame and counts it, as a CAN controller's receive buffer overruns), and a
 * close that wakes a waiting reader. For transport implementations; applications use {@link CanChannel}.
 */
public final class FrameInbox {

    /** Marker put in the queue on close so a blocked {@link #poll} returns at once. */
    private static final CanFrame CLOSED = CanFrame.of(CanId.standard(0));

    private final String owner;
    private final LinkedBlockingQueue<CanFrame> queue;
    private final AtomicLong overruns = new AtomicLong();
    private volatile List<CanFilter> filters = List.of();
    private volatile boolean closed;

    /**
     * @param owner    channel description used in log lines and exceptions
     * @param capacity frames kept before overrun
     */
    public FrameInbox(String owner, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("inbox capacity must be at least 1, got " + capacity);
        }
        this.owner = owner;
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    /** See {@link CanChannel#setFilters}. */
    public void setFilters(List<CanFilter> newFilters) {
        this.filters = List.copyOf(newFilters);
    }

    /** True when the frame passes the current filters. */
    public boolean accepts(CanFrame frame) {
        List<CanFilter> current = filters;
        if (current.isEmpty()) {
            return true;
        }
        for (CanFilter f : current) {
            if (f.matches(frame)) {
                return true;
            }
        }
        return false;
    }

    /** Queues a received frame if it passes the filters; returns false when filtered out or overrun. */
    public boolean offer(CanFrame frame) {
        if (closed || !accepts(frame)) {
            return false;
        }
        if (!queue.offer(frame)) {
            long n = overruns.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                Logger.warn("{}: receive queue full, dropped frame {} ({} dropped so far)", owner, frame, n);
            }
            return false;
        }
        return true;
    }

    /** See {@link CanChannel#receive}. */
    public Optional<CanFrame> poll(Duration timeout) throws CanChannelClosedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        while (true) {
            if (closed) {
                throw new CanChannelClosedException(owner);
            }
            long left = deadline - System.nanoTime();
            CanFrame frame;
            try {
                frame = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CanChannelClosedException(owner + " (reader interrupted)");
            }
            if (frame == CLOSED) {
                queue.offer(CLOSED);
                throw new CanChannelClosedException(owner);
            }
            if (frame == null) {
                return Optional.empty();
            }
            if (accepts(frame)) {
                return Optional.of(frame);
            }
        }
    }

    /** Frames dropped because the queue was full. */
    public long overruns() {
        return overruns.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Marks the inbox closed and wakes a waiting reader. */
    public void close() {
        closed = true;
        queue.clear();
        queue.offer(CLOSED);
    }
}
