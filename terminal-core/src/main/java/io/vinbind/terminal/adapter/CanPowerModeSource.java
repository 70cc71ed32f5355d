package io.vinbind.terminal.adapter;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFrame;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeFrameCodec;
import io.vinbind.terminal.port.PowerModeSource;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * {@link PowerModeSource} from the body controller's periodic power-mode broadcast on CAN, decoded with
 * the can-bus module's {@link PowerModeFrameCodec} (the layout the ECU simulator sends too).
 *
 * <p>A body controller that stops broadcasting for {@code silenceMeansOff} has gone to sleep with the rest
 * of the bus: that is reported as OFF, so a terminal never keeps working on a sleeping vehicle because
 * the final OFF frame was lost.
 */
public final class CanPowerModeSource implements PowerModeSource {

    private static final Duration READ_SLICE = Duration.ofMillis(100);

    private final CanChannel channel;
    private final PowerModeFrameCodec codec;
    private final Duration silenceMeansOff;
    private final Consumer<Exception> onFailure;
    private volatile boolean running;
    private Thread reader;

    /**
     * @param channel         a channel (or shared view) this source may filter and read alone
     * @param silenceMeansOff no broadcast for this long counts as OFF
     * @param onFailure       told when the channel fails for good (adapter unplugged, bus closed under us),
     *                        after OFF was reported; the daemon uses it to stop so the service manager
     *                        restarts it with a fresh channel
     */
    public CanPowerModeSource(CanChannel channel, PowerModeFrameCodec codec, Duration silenceMeansOff,
            Consumer<Exception> onFailure) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.silenceMeansOff = Objects.requireNonNull(silenceMeansOff, "silenceMeansOff");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /** A source whose channel failure is only logged. */
    public CanPowerModeSource(CanChannel channel, PowerModeFrameCodec codec, Duration silenceMeansOff) {
        this(channel, codec, silenceMeansOff, e -> { });
    }

    @Override
    public synchronized void start(Consumer<PowerMode> sink) throws CanException {
        Objects.requireNonNull(sink, "sink");
        if (running) {
            throw new IllegalStateException("already started");
        }
        channel.setFilters(List.of(codec.filter()));
        running = true;
        reader = new Thread(() -> readLoop(sink), "vinbind-power-mode");
        reader.setDaemon(true);
        reader.start();
        Logger.info("power mode from CAN {} ({}), silence of {} ms means OFF", channel.description(),
                codec.layout(), silenceMeansOff.toMillis());
    }

    private void readLoop(Consumer<PowerMode> sink) {
        long lastHeard = System.nanoTime();
        boolean silent = false;
        try {
            while (running) {
                Optional<CanFrame> frame = channel.receive(READ_SLICE);
                if (frame.isPresent()) {
                    Optional<PowerMode> mode = codec.tryDecode(frame.get());
                    if (mode.isPresent()) {
                        lastHeard = System.nanoTime();
                        silent = false;
                        sink.accept(mode.get());
                    } else {
                        Logger.debug("power-mode frame with unknown value ignored: {}", frame.get());
                    }
                } else if (!silent && System.nanoTime() - lastHeard > silenceMeansOff.toNanos()) {
                    silent = true;
                    Logger.warn("no power-mode broadcast on {} for {} ms: taking it as OFF", channel.description(),
                            silenceMeansOff.toMillis());
                    sink.accept(PowerMode.OFF);
                }
            }
        } catch (CanChannelClosedException e) {
            if (running) {
                Logger.error("power-mode channel {} closed: {}; reporting OFF", channel.description(), e.getMessage());
                sink.accept(PowerMode.OFF);
                onFailure.accept(e);
            }
        } catch (CanException | RuntimeException e) {
            Logger.error(e, "power-mode reader on {} failed; reporting OFF", channel.description());
            sink.accept(PowerMode.OFF);
            onFailure.accept(e);
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = reader;
        }
        if (t != null) {
            try {
                t.join(READ_SLICE.toMillis() * 5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
