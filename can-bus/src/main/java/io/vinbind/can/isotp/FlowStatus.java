package io.vinbind.can.isotp;

import java.util.Optional;

/** Flow status, the low nibble of a flow-control frame's PCI byte (ISO 15765-2, 9.6.5.1). */
public enum FlowStatus {
    /** ContinueToSend: send the next block of consecutive frames. */
    CONTINUE_TO_SEND(0),
    /** Wait: the receiver is not ready; a further flow control follows. */
    WAIT(1),
    /** Overflow: the receiver cannot take a message this long; the transfer is aborted. */
    OVERFLOW(2);

    private final int code;

    FlowStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The status for a nibble; empty for reserved values 3..15, which abort a transfer. */
    public static Optional<FlowStatus> fromCode(int code) {
        for (FlowStatus s : values()) {
            if (s.code == code) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
