package io.vinbind.can;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A node's connection to one CAN bus. Implementations: the in-JVM virtual bus
 * ({@code io.vinbind.can.virtual}), SLCAN serial adapters ({@code io.vinbind.can.slcan}) and SocketCAN
 * ({@code io.vinbind.can.socketcan}); open one from a text spec with {@link CanChannels#open(String)}.
 *
 * <p>{@link #send} is safe from several threads. {@link #receive} is meant for one reading thread at a
 * time; to let several consumers (say ISO-TP and a power-mode listener) read the same bus, put a
 * {@link SharedCanChannel} in front. A channel never delivers the frames it sent itself.
 */
public interface CanChannel extends AutoCloseable {

    /**
     * Puts a frame on the bus. Returns once the transport accepted it; CAN has no end-to-end
     * acknowledgement a host could wait for.
     *
     * @throws CanChannelClosedException after {@link #close()}
     * @throws CanException              when the transport fails
     */
    void send(CanFrame frame) throws CanException;

    /**
     * Waits up to {@code timeout} for the next frame that passes the filters.
     *
     * @return the frame, or empty when none arrived in time (an idle bus is not an error)
     * @throws CanChannelClosedException after {@link #close()}
     * @throws CanException              when the transport fails
     */
    Optional<CanFrame> receive(Duration timeout) throws CanException;

    /**
     * Replaces the acceptance filters; a frame passes when any filter matches. An empty list passes
     * every frame (the default). Frames already queued that no longer pass are dropped.
     */
    void setFilters(List<CanFilter> filters) throws CanException;

    /** What this channel is connected to, for logs and messages ({@code slcan:/dev/ttyACM0@500000}). */
    String description();

    /** Releases the transport. Idempotent; failures while closing are logged, not thrown. */
    @Override
    void close();
}
