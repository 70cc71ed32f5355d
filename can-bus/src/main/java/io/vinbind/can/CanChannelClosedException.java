package io.vinbind.can;

/**
 * Raised by {@link CanChannel#send} and {@link CanChannel#receive} once the channel is closed, whether
 * closed on purpose or because its transport failed (then the cause says why). Readers stop on it.
 */
public class CanChannelClosedException extends CanException {
    public CanChannelClosedException(String channel) {
        super("CAN channel " + channel + " is closed");
    }

    private CanChannelClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The channel closed itself because its transport failed. */
    public static CanChannelClosedException failed(String channel, Throwable cause) {
        return new CanChannelClosedException("CAN channel " + channel + " failed: " + cause.getMessage(), cause);
    }
}
