package io.vinbind.can;

/** Raised by {@link CanChannel#send} and {@link CanChannel#receive} once the channel is closed. */
public class CanChannelClosedException extends CanException {
    public CanChannelClosedException(String channel) {
        super("CAN channel " + channel + " is closed");
    }
}
