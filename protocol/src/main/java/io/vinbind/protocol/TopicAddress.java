package io.vinbind.protocol;

import java.util.Objects;

/**
 * A parsed vinbind topic: whose message it is and which message it is.
 *
 * @param imsi the IMSI in the topic (the terminal the message is from or for)
 * @param type the message type named by the topic's suffix
 */
public record TopicAddress(String imsi, MessageType type) {

    public TopicAddress {
        Identifiers.requireImsi(imsi);
        Objects.requireNonNull(type, "type");
    }

    /** The topic string, e.g. {@code vinbind/v1/460011234567890/bind}. */
    public String topic() {
        return Topics.topic(imsi, type);
    }
}
