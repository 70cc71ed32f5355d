package io.vinbind.can;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * Lets several consumers read one CAN connection. A serial SLCAN adapter can be opened only once, yet a
 * terminal needs both a UDS conversation with the smart-key ECU and a listener for the power-mode
 * broadcast: one reader thread takes every frame from the underlying channel and hands it to each
 * {@link #newView view} whose filters accept it. Views send straight through.
 *
 * <pre>{@code
 * try (SharedCanChannel bus = SharedCanChannel.over(CanChannels.open("slcan:/dev/ttyACM0"))) {
 *     CanChannel uds = bus.newView("uds");          // give it to UdsClient
 *     CanChannel power = bus.newView("power-mode");  // filter it with PowerModeFrameCodec.filter()
 * }
 * }</pre>
 */
public final class SharedCanChannel implements AutoCloseable {

    private static final Duration READ_SLICE = Duration.ofMillis(100);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final CanChannel underlying;
    private final List<View> views = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile boolean closing;

    private SharedCanChannel(CanChannel underlying) {
        this.underlying = underlying;
        this.reader = new Thread(this::readLoop, "can-shared-" + THREADS.incrementAndGet());
        reader.setDaemon(true);
    }

    /** Starts sharing {@code channel}; the shared channel owns it from now on and closes it. */
    public static SharedCanChannel over(CanChannel channel) {
        SharedCanChannel shared = new SharedCanChannel(channel);
        shared.reader.start();
        return shared;
    }

    /** A new consumer with its own queue and filters (initially none: every frame). */
    public CanChannel newView(String name) {
        View view = new View(underlying.description() + "/" + name);
        views.add(view);
        return view;
    }

    private void readLoop() {
        try {
            while (!closing) {
                Optional<CanFrame> frame = underlying.receive(READ_SLICE);
                frame.ifPresent(f -> views.forEach(v -> v.inbox.offer(f)));
            }
        } catch (CanChannelClosedException e) {
            if (!closing) {
                Logger.warn("{}: underlying channel closed under the shared reader: {}",
                        underlying.description(), e.getMessage());
            }
        } catch (CanException | RuntimeException e) {
            Logger.error(e, "{}: shared reader stopped", underlying.description());
        } finally {
            views.forEach(v -> v.inbox.close());
        }
    }

    /** Closes every view and the underlying channel; waits (bounded) for the reader thread. */
    @Override
    public void close() {
        closing = true;
        underlying.close();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        views.forEach(v -> v.inbox.close());
    }

    private final class View implements CanChannel {
        private final String name;
        private final FrameInbox inbox;

        View(String name) {
            this.name = name;
            this.inbox = new FrameInbox(name, 4096);
        }

        @Override
        public void send(CanFrame frame) throws CanException {
            if (inbox.isClosed()) {
                throw new CanChannelClosedException(name);
            }
            underlying.send(frame);
        }

        @Override
        public Optional<CanFrame> receive(Duration timeout) throws CanException {
            return inbox.poll(timeout);
        }

        @Override
        public void setFilters(List<CanFilter> filters) {
            inbox.setFilters(filters);
        }

        @Override
        public String description() {
            return name;
        }

        /** Closes this view only; the other views and the connection stay open. */
        @Override
        public void close() {
            inbox.close();
            views.remove(this);
        }
    }
}
