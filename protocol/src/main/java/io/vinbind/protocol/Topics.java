package io.vinbind.protocol;

import java.util.Objects;

/**
 * MQTT topic names of the vinbind contract: {@code vinbind/v2/{terminalId}/{suffix}} with the suffixes of
 * {@link MessageType}.
 *
 * <p>Topics are keyed by the terminal's <em>authenticated</em> identity (the CN of its certificate, which
 * the broker maps to its user name), so that one pattern rule confines every terminal to its own subtree on
 * any broker (Mosquitto {@code pattern write vinbind/v2/%u/bind}; AWS IoT's {@code ${iot:ClientId}}) and the
 * server knows which terminal speaks. An IMSI is an identifier carried in the payload, never a credential:
 * v1 keyed topics by IMSI, so knowing one was enough to speak for a vehicle. {@code v2} is the topic
 * layout's version (payloads carry their own {@code version}).
 *
 * <p>Servers consume requests through MQTT 5 shared subscriptions ({@link #sharedSubscription}), so the
 * broker hands each request to exactly one instance of a group of servers.
 */
public final class Topics {

    /** The first two levels of every vinbind topic. */
    public static final String ROOT = "vinbind/v2";

    /** The shared-subscription group every server instance joins (MQTT 5 §4.8.2). */
    public static final String SHARE_GROUP = "vinbind";

    private Topics() {
    }

    /** {@code vinbind/v2/{terminalId}/{type.suffix}} */
    public static String topic(String terminalId, MessageType type) {
        Identifiers.requireTerminalId(terminalId);
        Objects.requireNonNull(type, "type");
        return ROOT + "/" + terminalId + "/" + type.suffix();
    }

    public static String login(String terminalId) {
        return topic(terminalId, MessageType.LOGIN);
    }

    public static String loginAck(String terminalId) {
        return topic(terminalId, MessageType.LOGIN_ACK);
    }

    public static String bind(String terminalId) {
        return topic(terminalId, MessageType.BIND);
    }

    public static String bindAck(String terminalId) {
        return topic(terminalId, MessageType.BIND_ACK);
    }

    public static String esimBatch(String terminalId) {
        return topic(terminalId, MessageType.ESIM_BATCH);
    }

    public static String heartbeat(String terminalId) {
        return topic(terminalId, MessageType.HEARTBEAT);
    }

    public static String heartbeatAck(String terminalId) {
        return topic(terminalId, MessageType.HEARTBEAT_ACK);
    }

    public static String status(String terminalId) {
        return topic(terminalId, MessageType.STATUS);
    }

    public static String statusAck(String terminalId) {
        return topic(terminalId, MessageType.STATUS_ACK);
    }

    public static String esimResult(String terminalId) {
        return topic(terminalId, MessageType.ESIM_RESULT);
    }

    /** The subtree of one terminal, {@code vinbind/v2/{terminalId}/#}: what a broker ACL confines it to. */
    public static String subtree(String terminalId) {
        Identifiers.requireTerminalId(terminalId);
        return ROOT + "/" + terminalId + "/#";
    }

    /** Filter for one type from every terminal, e.g. {@code vinbind/v2/+/bind}. */
    public static String allTerminals(MessageType type) {
        Objects.requireNonNull(type, "type");
        return ROOT + "/+/" + type.suffix();
    }

    /**
     * Shared-subscription filter for one request type, e.g. {@code $share/vinbind/vinbind/v2/+/bind}: every
     * server instance subscribes with it, and the broker delivers each message to one of them.
     */
    public static String sharedSubscription(MessageType type) {
        return "$share/" + SHARE_GROUP + "/" + allTerminals(type);
    }

    /**
     * Parses a topic a message arrived on.
     *
     * @throws ProtocolException with {@link ProtocolException.Problem#BAD_TOPIC} when the topic is not a
     *     vinbind topic or its terminal id is malformed
     */
    public static TopicAddress parse(String topic) throws ProtocolException {
        if (topic == null || !topic.startsWith(ROOT + "/")) {
            throw ProtocolException.badTopic(topic, "does not start with " + ROOT + "/");
        }
        String rest = topic.substring(ROOT.length() + 1);
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw ProtocolException.badTopic(topic, "has no terminal id level followed by a message name");
        }
        String terminalId = rest.substring(0, slash);
        String suffix = rest.substring(slash + 1);
        if (!Identifiers.isTerminalId(terminalId)) {
            throw ProtocolException.badTopic(topic, "terminal id level '" + Identifiers.printable(terminalId)
                + "' is not 1-64 characters A-Z a-z 0-9 . _ -");
        }
        for (MessageType type : MessageType.values()) {
            if (type.suffix().equals(suffix)) {
                return new TopicAddress(terminalId, type);
            }
        }
        throw ProtocolException.badTopic(topic, "unknown message '" + Identifiers.printable(suffix) + "'");
    }
}
