package io.vinbind.modem.link;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import org.tinylog.Logger;

/**
 * The listener side of a {@link SerialLink}: a daemon thread that reads and hands each chunk to a
 * {@link Listener}, and reports once when the link ends. Listener failures are logged and the pump keeps
 * going, so a bug in one handler cannot silently kill the reader.
 */
public final class LinkPump implements AutoCloseable {

    /** Receives what the link delivers; called on the pump thread only. */
    public interface Listener {
        /** Bytes that arrived (a fresh copy the listener may keep). */
        void onBytes(byte[] data);

        /** The link ended: closed locally ({@code byUs}) or vanished; called exactly once. */
        void onClosed(IOException cause, boolean byUs);
    }

    private static final Duration POLL = Duration.ofMillis(100);

    private final SerialLink link;
    private final Listener listener;
    private final Thread thread;
    private volatile boolean stopping;

    private LinkPump(SerialLink link, String threadName, Listener listener) {
        this.link = link;
        this.listener = listener;
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    /** Starts pumping {@code link} into {@code listener} on a new daemon thread. */
    public static LinkPump start(SerialLink link, String threadName, Listener listener) {
        LinkPump pump = new LinkPump(Objects.requireNonNull(link, "link"), threadName,
                Objects.requireNonNull(listener, "listener"));
        pump.thread.start();
        return pump;
    }

    private void run() {
        byte[] buf = new byte[4096];
        IOException end = null;
        while (!stopping) {
            try {
                int n = link.read(buf, POLL);
                if (n > 0) {
                    deliver(Arrays.copyOf(buf, n));
                }
            } catch (IOException e) {
                end = e;
                break;
            }
        }
        boolean byUs = stopping;
        if (end == null) {
            end = new LinkClosedException(link.name(), "pump stopped");
        }
        if (!byUs) {
            Logger.warn("link {} ended: {}", link.name(), end.getMessage());
        }
        try {
            listener.onClosed(end, byUs);
        } catch (RuntimeException e) {
            Logger.error(e, "link {} close listener failed", link.name());
        }
    }

    private void deliver(byte[] data) {
        try {
            listener.onBytes(data);
        } catch (RuntimeException e) {
            Logger.error(e, "link {} listener failed on {} bytes; continuing", link.name(), data.length);
        }
    }

    /** Stops the pump (waits up to one poll interval plus a margin) without closing the link. */
    @Override
    public void close() {
        stopping = true;
        if (Thread.currentThread() != thread) {
            try {
                thread.join(POLL.toMillis() * 5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
