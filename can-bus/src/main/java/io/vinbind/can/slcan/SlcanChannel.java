package io.vinbind.can.slcan;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.FrameInbox;
import io.vinbind.log.RateLimitedWarnings;
import io.vinbind.log.Untrusted;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * A CAN channel through a Lawicel/SLCAN adapter (CANable, USBtin, CANUSB). On open it sends {@code C}
 * (close, in case the adapter was left open), {@code Sn} (bitrate, only accepted while closed) and
 * {@code O} (open); on close {@code C}. It never waits for acknowledgements: CANable sends none, others
 * answer CR / {@code z} / BEL, which the reader thread counts and logs. Frames arrive as {@code t/T/r/R} lines
 * with or without timestamps; lines it cannot parse are dropped with a logged reason. Those warnings are
 * rate-limited ({@link RateLimitedWarnings}): an adapter that answers BEL to everything, or a line full of
 * noise, gives a few lines and a count, not a line per byte.
 *
 * <p>On the bench two SLCAN channels on the two ends of a pty pair talk to each other: each ignores the
 * other's configuration commands (logged at debug), so the pair behaves like two adapters on one bus.
 */
public final class SlcanChannel implements CanChannel {

    private static final int QUEUE_CAPACITY = 4096;

    private final SlcanTransport transport;
    private final String description;
    private final FrameInbox inbox;
    private final SlcanCodec codec = new SlcanCodec();
    private final Thread reader;
    private final Object writeLock = new Object();
    private final AtomicLong adapterErrors = new AtomicLong();
    private final AtomicLong garbageLines = new AtomicLong();
    private final RateLimitedWarnings warnings = RateLimitedWarnings.standard();
    private volatile IOException failure;
    private volatile boolean closing;

    private SlcanChannel(SlcanTransport transport, SlcanBitrate bitrate) {
        this.transport = transport;
        this.description = "slcan:" + transport.description() + "@" + bitrate.bitsPerSecond();
        this.inbox = new FrameInbox(description, QUEUE_CAPACITY);
        this.reader = new Thread(this::readLoop, "slcan-reader-" + transport.description());
        reader.setDaemon(true);
    }

    /**
     * Opens the adapter on a serial port (e.g. {@code /dev/ttyACM0}, or a pty) at a CAN bitrate.
     *
     * @throws IllegalArgumentException when SLCAN has no such bitrate
     * @throws CanException             when the port cannot be opened or written
     */
    public static SlcanChannel open(String serialPort, int bitrate) throws CanException {
        SlcanBitrate rate = SlcanBitrate.of(bitrate);
        return over(SerialPortTransport.open(serialPort), rate);
    }

    /** An SLCAN channel over any byte transport; starts the adapter and the reader thread. */
    public static SlcanChannel over(SlcanTransport transport, SlcanBitrate bitrate) throws CanException {
        SlcanChannel channel = new SlcanChannel(transport, bitrate);
        try {
            transport.write(SlcanCodec.command("C"));
            transport.write(SlcanCodec.command(bitrate.command()));
            transport.write(SlcanCodec.command("O"));
        } catch (IOException e) {
            transport.close();
            throw new CanException("cannot configure SLCAN adapter on " + transport.description() + ": " + e.getMessage(), e);
        }
        channel.reader.start();
        Logger.debug("SLCAN adapter on {} opened at {} bit/s", transport.description(), bitrate.bitsPerSecond());
        return channel;
    }

    @Override
    public void send(CanFrame frame) throws CanException {
        if (inbox.isClosed()) {
            throw closedException();
        }
        synchronized (writeLock) {
            try {
                transport.write(SlcanCodec.encode(frame));
            } catch (IOException e) {
                throw new CanException("SLCAN send of " + frame + " on " + description + " failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Optional<CanFrame> receive(Duration timeout) throws CanException {
        try {
            return inbox.poll(timeout);
        } catch (CanChannelClosedException e) {
            throw closedException();
        }
    }

    private CanChannelClosedException closedException() {
        IOException cause = failure;
        return cause == null ? new CanChannelClosedException(description) : CanChannelClosedException.failed(description, cause);
    }

    @Override
    public void setFilters(List<CanFilter> filters) {
        inbox.setFilters(filters);
    }

    @Override
    public String description() {
        return description;
    }

    /** BEL replies seen so far: commands the adapter rejected. */
    public long adapterErrors() {
        return adapterErrors.get();
    }

    /** Unparseable lines dropped so far. */
    public long garbageLines() {
        return garbageLines.get();
    }

    private void readLoop() {
        byte[] buffer = new byte[512];
        try {
            while (!closing) {
                int n = transport.read(buffer);
                for (SlcanMessage m : codec.feed(buffer, n)) {
                    dispatch(m);
                }
            }
        } catch (PortClosedException e) {
            failure = e;
            Logger.debug("SLCAN {}: reader stopped: {}", description, e.getMessage());
        } catch (IOException e) {
            if (!closing) {
                failure = e;
                Logger.error("SLCAN {}: reader stopped: {}", description, e.getMessage());
            }
        } catch (RuntimeException e) {
            failure = new IOException("reader crashed: " + e, e);
            Logger.error(e, "SLCAN {}: reader crashed", description);
        } finally {
            inbox.close();
        }
    }

    private void dispatch(SlcanMessage m) {
        if (m instanceof SlcanMessage.Frame f) {
            inbox.offer(f.frame());
        } else if (m instanceof SlcanMessage.Error) {
            long n = adapterErrors.incrementAndGet();
            warnings.warn("SLCAN {}: adapter answered BEL: a command was rejected ({} so far)", description, n);
        } else if (m instanceof SlcanMessage.Garbage g) {
            garbageLines.incrementAndGet();
            // the message escaped its text when it was made (SlcanMessage.printable): bytes as \xHH
            warnings.warn("SLCAN {}: dropped line '{}': {}", description, g.line(), g.reason());
        } else if (m instanceof SlcanMessage.Other o) {
            Logger.debug("SLCAN {}: ignoring '{}'", description, o.line());
        } else {
            Logger.trace("SLCAN {}: ack '{}'", description, Untrusted.escape(((SlcanMessage.Ack) m).line()));
        }
    }

    /** Sends {@code C}, stops the reader (bounded) and closes the port. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (!(failure instanceof PortClosedException)) {
            synchronized (writeLock) {
                try {
                    transport.write(SlcanCodec.command("C"));
                } catch (IOException e) {
                    Logger.warn("SLCAN {}: could not send close command: {}", description, e.getMessage());
                }
            }
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        inbox.close();
        transport.close();
        warnings.summarise();
        Logger.debug("SLCAN {} closed", description);
    }
}
