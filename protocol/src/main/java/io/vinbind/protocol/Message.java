package io.vinbind.protocol;

/**
 * A vinbind payload. Every message names its protocol {@link #version()}, the {@link #requestId()} that
 * ties an ack to its request, the {@link #terminalId()} of the terminal it is from or for (which must equal
 * the terminal id in its topic, the identity the broker authenticated). The binding messages also name the IMSI of
 * the terminal's modem; the relay messages do not (a card being loaded may have no enabled profile).
 */
public sealed interface Message permits LoginRequest, LoginAck, BindRequest, BindAck, EsimBatch, EsimResult, Heartbeat, HeartbeatAck, StatusReport, StatusAck {

    int version();

    String requestId();

    String terminalId();

    /** The message type, i.e. the topic suffix this payload travels on. */
    MessageType type();

    /** The topic this message is published on. */
    default String topic() {
        return Topics.topic(terminalId(), type());
    }
}
