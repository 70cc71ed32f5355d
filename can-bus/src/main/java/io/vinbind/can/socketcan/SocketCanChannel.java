package io.vinbind.can.socketcan;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.FrameInbox;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.tinylog.Logger;
import tel.schich.javacan.CanChannels;
import tel.schich.javacan.CanSocketOptions;
import tel.schich.javacan.RawCanChannel;
import tel.schich.javacan.platform.linux.LinuxNativeOperationException;

/**
 * A CAN channel on a Linux SocketCAN interface ({@code can0}, {@code vcan0}) through a JavaCAN RAW socket.
 * Filters are given to the kernel (and re-checked here), receive timeouts use {@code SO_RCVTIMEO}. The
 * socket does not receive its own frames (kernel default).
 */
public final class SocketCanChannel implements CanChannel {

    private static final int EFF_FLAG = 0x8000_0000;
    private static final int SFF_MASK_WITH_EFF = 0x7FF | EFF_FLAG;
    /** How long a receive blocks in the kernel before it looks whether the channel was closed. */
    private static final Duration CLOSE_CHECK = Duration.ofMillis(100);

    private final RawCanChannel socket;
    private final String description;
    private final FrameInbox filters;
    private final Object readLock = new Object();
    private volatile boolean closed;

    private SocketCanChannel(RawCanChannel socket, String description) {
        this.socket = socket;
        this.description = description;
        this.filters = new FrameInbox(description, 1);
    }

    /**
     * Opens a RAW socket bound to {@code interfaceName}.
     *
     * @throws CanException naming the interface when it does not exist or the kernel has no CAN support
     */
    public static SocketCanChannel open(String interfaceName) throws CanException {
        try {
            RawCanChannel raw = CanChannels.newRawChannel(interfaceName);
            raw.configureBlocking(true);
            Logger.debug("SocketCAN RAW socket on {} opened", interfaceName);
            return new SocketCanChannel(raw, "socketcan:" + interfaceName);
        } catch (IOException | LinkageError | RuntimeException e) {
            throw new CanException("cannot open SocketCAN interface " + interfaceName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void send(CanFrame frame) throws CanException {
        ensureOpen();
        tel.schich.javacan.CanFrame native_ = toNative(frame);
        try {
            socket.write(native_);
        } catch (IOException e) {
            throw new CanException("SocketCAN send of " + frame + " on " + description + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<CanFrame> receive(Duration timeout) throws CanException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (readLock) {
            boolean firstAttempt = true;
            while (true) {
                ensureOpen();
                long left = deadline - System.nanoTime();
                if (left <= 0 && !firstAttempt) {
                    return Optional.empty();
                }
                firstAttempt = false;   // a zero timeout still takes a frame that is already queued
                try {
                    // SO_RCVTIMEO of 0 would block forever: at least 1 ms. At most one slice, because closing
                    // the socket from another thread does not wake a blocked read(2) on Linux; the loop
                    // re-checks 'closed' between slices so close() ends a waiting receive promptly.
                    long slice = Math.min(Math.max(left, 1_000_000), CLOSE_CHECK.toNanos());
                    socket.setOption(CanSocketOptions.SO_RCVTIMEO, Duration.ofNanos(slice));
                    tel.schich.javacan.CanFrame read = socket.read();
                    if (read.isError()) {
                        Logger.debug("SocketCAN {}: ignoring error frame {}", description, read);
                        continue;
                    }
                    CanFrame frame = convert(read);
                    if (filters.accepts(frame)) {
                        return Optional.of(frame);
                    }
                } catch (LinuxNativeOperationException e) {
                    if (e.mayTryAgain()) { // EAGAIN: the slice ran out; the loop checks 'closed' and the deadline
                        continue;
                    }
                    throw failure(e);
                } catch (IOException e) {
                    throw failure(e);
                }
            }
        }
    }

    /** Raw can_id = identifier | EFF flag for 29-bit | RTR flag for remote frames (linux/can.h). */
    static tel.schich.javacan.CanFrame toNative(CanFrame frame) {
        int rawId = frame.id().value() | (frame.id().extended() ? EFF_FLAG : 0)
                | (frame.remote() ? tel.schich.javacan.CanId.RTR_FLAG : 0);
        byte[] data = frame.remote() ? new byte[frame.dlc()] : frame.data();
        return tel.schich.javacan.CanFrame.createRaw(rawId, tel.schich.javacan.CanFrame.FD_NO_FLAGS, data, 0, data.length);
    }

    private CanException failure(IOException e) {
        return closed ? new CanChannelClosedException(description)
                : new CanException("SocketCAN receive on " + description + " failed: " + e.getMessage(), e);
    }

    private static CanFrame convert(tel.schich.javacan.CanFrame read) {
        CanId id = new CanId(read.getId(), read.isExtended());
        if (read.isRemoteTransmissionRequest()) {
            return CanFrame.remote(id, Math.min(read.getDataLength(), 8));
        }
        byte[] data = new byte[read.getDataLength()];
        read.getData(data, 0, data.length);
        return CanFrame.of(id, data);
    }

    @Override
    public void setFilters(List<CanFilter> newFilters) throws CanException {
        ensureOpen();
        filters.setFilters(newFilters);
        tel.schich.javacan.CanFilter[] kernel = newFilters.isEmpty()
                ? new tel.schich.javacan.CanFilter[] {tel.schich.javacan.CanFilter.ANY}
                : newFilters.stream().map(SocketCanChannel::toKernel).toArray(tel.schich.javacan.CanFilter[]::new);
        try {
            socket.setOption(CanSocketOptions.FILTER, kernel);
        } catch (IOException e) {
            throw new CanException("setting " + newFilters.size() + " filters on " + description + " failed: " + e.getMessage(), e);
        }
    }

    /** The kernel compares the EFF flag too, so 11- and 29-bit filters stay apart as in {@link CanFilter}. */
    static tel.schich.javacan.CanFilter toKernel(CanFilter f) {
        int id = f.id().value() | (f.id().extended() ? EFF_FLAG : 0);
        int mask = f.mask() | EFF_FLAG;
        if (!f.id().extended()) {
            mask &= SFF_MASK_WITH_EFF;
        }
        return new tel.schich.javacan.CanFilter(id, mask);
    }

    @Override
    public String description() {
        return description;
    }

    private void ensureOpen() throws CanChannelClosedException {
        if (closed) {
            throw new CanChannelClosedException(description);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            Logger.warn("SocketCAN {}: close failed: {}", description, e.getMessage());
        }
    }
}
