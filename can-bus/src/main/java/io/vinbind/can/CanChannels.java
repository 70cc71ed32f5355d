package io.vinbind.can;

import io.vinbind.can.virtual.VirtualCanBus;
import java.util.concurrent.atomic.AtomicInteger;

/** Opens a {@link CanChannel} from a text spec; see {@link CanSpec} for the syntax. */
public final class CanChannels {

    private static final AtomicInteger VIRTUAL_NODES = new AtomicInteger();

    private CanChannels() {
    }

    /**
     * Opens {@code virtual:<bus>}, {@code slcan:<port>[@bitrate]} or {@code socketcan:<if>}.
     *
     * @throws IllegalArgumentException when the spec is malformed
     * @throws CanException             when the transport cannot be opened (names port/interface and why)
     */
    public static CanChannel open(String spec) throws CanException {
        return open(CanSpec.parse(spec));
    }

    /** Opens a parsed spec. */
    public static CanChannel open(CanSpec spec) throws CanException {
        return switch (spec.kind()) {
            case VIRTUAL -> VirtualCanBus.named(spec.target()).connect("node-" + VIRTUAL_NODES.incrementAndGet());
            case SLCAN -> io.vinbind.can.slcan.SlcanChannel.open(spec.target(), spec.bitrateOrDefault());
            case SOCKETCAN -> io.vinbind.can.socketcan.SocketCanChannel.open(spec.target());
        };
    }
}
