package io.vinbind.protocol;

/**
 * A vinbind payload. Every message names its protocol {@link #version()}, the {@link #requestId()} that
 * ties an ack to its request, the {@link #terminalId()} of the terminal it is from or for (which must equal
 * the terminal id in its topic, the identity the broker authenticated), and the {@link #imsi()} of that
 * terminal's modem.
 */
public sealed interface Message permits LoginRequest, LoginAck, BindRequest, BindAck {

    int version();

    String requestId();

    String terminalId();

    String imsi();

    /** The message type, i.e. the topic suffix this payload travels on. */
    MessageType type();

    /** The topic this message is published on. */
    default String topic() {
        return Topics.topic(terminalId(), type());
    }
}
