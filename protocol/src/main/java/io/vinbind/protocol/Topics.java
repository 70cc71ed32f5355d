package io.vinbind.protocol;

import java.util.Objects;

/**
 * MQTT topic names of the vinbind contract: {@code vinbind/v1/{imsi}/{suffix}} with the suffixes of
 * {@link MessageType}.
 *
 * <p>The IMSI is in the topic so that a broker ACL can restrict each terminal to its own subtree, and so
 * the server can check that a payload speaks for the terminal that published it. {@code v1} is the topic
 * layout's version (payloads carry their own {@code version}).
 *
 * <p>Servers consume requests through MQTT 5 shared subscriptions ({@link #sharedSubscription}), so the
 * broker hands each request to exactly one instance of a group of servers.
 */
public final class Topics {

    /** The first two levels of every vinbind topic. */
    public static final String ROOT = "vinbind/v1";

    /** The shared-subscription group every server instance joins (MQTT 5 §4.8.2). */
    public static final String SHARE_GROUP = "vinbind";

    private Topics() {
    }

    /** {@code vinbind/v1/{imsi}/{type.suffix}} */
    public static String topic(String imsi, MessageType type) {
        Identifiers.requireImsi(imsi);
        Objects.requireNonNull(type, "type");
        return ROOT + "/" + imsi + "/" + type.suffix();
    }

    public static String login(String imsi) {
        return topic(imsi, MessageType.LOGIN);
    }

    public static String loginAck(String imsi) {
        return topic(imsi, MessageType.LOGIN_ACK);
    }

    public static String bind(String imsi) {
        return topic(imsi, MessageType.BIND);
    }

    public static String bindAck(String imsi) {
        return topic(imsi, MessageType.BIND_ACK);
    }

    /** Filter for one type from every terminal, e.g. {@code vinbind/v1/+/bind}. */
    public static String allTerminals(MessageType type) {
        Objects.requireNonNull(type, "type");
        return ROOT + "/+/" + type.suffix();
    }

    /**
     * Shared-subscription filter for one request type, e.g. {@code $share/vinbind/vinbind/v1/+/bind}: every
     * server instance subscribes with it, and the broker delivers each message to one of them.
     */
    public static String sharedSubscription(MessageType type) {
        return "$share/" + SHARE_GROUP + "/" + allTerminals(type);
    }

    /**
     * Parses a topic a message arrived on.
     *
     * @throws ProtocolException with {@link ProtocolException.Problem#BAD_TOPIC} when the topic is not a
     *     vinbind topic or its IMSI is malformed
     */
    public static TopicAddress parse(String topic) throws ProtocolException {
        if (topic == null || !topic.startsWith(ROOT + "/")) {
            throw ProtocolException.badTopic(topic, "does not start with " + ROOT + "/");
        }
        String rest = topic.substring(ROOT.length() + 1);
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw ProtocolException.badTopic(topic, "has no IMSI level followed by a message name");
        }
        String imsi = rest.substring(0, slash);
        String suffix = rest.substring(slash + 1);
        if (!Identifiers.isImsi(imsi)) {
            throw ProtocolException.badTopic(topic, "IMSI level '" + Identifiers.printable(imsi)
                + "' is not 6-15 decimal digits");
        }
        for (MessageType type : MessageType.values()) {
            if (type.suffix().equals(suffix)) {
                return new TopicAddress(imsi, type);
            }
        }
        throw ProtocolException.badTopic(topic, "unknown message '" + Identifiers.printable(suffix) + "'");
    }
}
