package io.vinbind.protocol;

import java.util.Objects;

/**
 * A parsed vinbind topic: whose message it is and which message it is.
 *
 * @param terminalId the terminal id in the topic (the terminal the message is from or for)
 * @param type the message type named by the topic's suffix
 */
public record TopicAddress(String terminalId, MessageType type) {

    public TopicAddress {
        Identifiers.requireTerminalId(terminalId);
        Objects.requireNonNull(type, "type");
    }

    /** The topic string, e.g. {@code vinbind/v2/TBOX-0001/bind}. */
    public String topic() {
        return Topics.topic(terminalId, type);
    }
}
