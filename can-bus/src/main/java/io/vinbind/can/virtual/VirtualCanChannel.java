package io.vinbind.can.virtual;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.FrameInbox;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** One node on a {@link VirtualCanBus}. */
public final class VirtualCanChannel implements CanChannel {

    /** Frames a node buffers before it overruns (a real controller holds far fewer). */
    private static final int QUEUE_CAPACITY = 8192;

    private final VirtualCanBus bus;
    private final String node;
    private final FrameInbox inbox;

    VirtualCanChannel(VirtualCanBus bus, String node) {
        this.bus = bus;
        this.node = node;
        this.inbox = new FrameInbox(description(), QUEUE_CAPACITY);
    }

    String node() {
        return node;
    }

    FrameInbox inbox() {
        return inbox;
    }

    @Override
    public void send(CanFrame frame) throws CanException {
        if (inbox.isClosed()) {
            throw new CanChannelClosedException(description());
        }
        bus.transmit(this, frame);
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
        return "virtual:" + bus.name() + "(" + node + ")";
    }

    @Override
    public void close() {
        if (!inbox.isClosed()) {
            inbox.close();
            bus.leave(this);
        }
    }
}
