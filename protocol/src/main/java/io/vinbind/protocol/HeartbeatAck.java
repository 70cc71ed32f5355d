package io.vinbind.protocol;

/**
 * Server → terminal on {@code vinbind/v2/{terminalId}/heartbeat/ack}: the heartbeat was taken, and the limits the
 * terminal is to use (the server's limits table decides them per terminal). {@code configVersion} changes only when
 * the values do, so a terminal applies them only when it differs from what it has.
 *
 * @param version protocol version
 * @param requestId the heartbeat's
 * @param terminalId the terminal
 * @param heartbeatIntervalS seconds between heartbeats, {@value #MIN_INTERVAL_S}–{@value #MAX_INTERVAL_S}
 * @param sendIntervalS seconds between batches of status records, {@value #MIN_INTERVAL_S}–{@value #MAX_SEND_INTERVAL_S}
 * @param storageRecords status records the terminal keeps unsent at most, 1–{@value #MAX_STORAGE}
 * @param configVersion the version of these limits, 1 and up
 */
public record HeartbeatAck(int version, String requestId, String terminalId, int heartbeatIntervalS, int sendIntervalS,
                           int storageRecords, int configVersion) implements Message {

    public static final int MIN_INTERVAL_S = 5;
    public static final int MAX_INTERVAL_S = 3600;
    public static final int MAX_SEND_INTERVAL_S = 86_400;
    public static final int MAX_STORAGE = 100_000;

    public HeartbeatAck {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        range("heartbeatIntervalS", heartbeatIntervalS, MIN_INTERVAL_S, MAX_INTERVAL_S);
        range("sendIntervalS", sendIntervalS, MIN_INTERVAL_S, MAX_SEND_INTERVAL_S);
        range("storageRecords", storageRecords, 1, MAX_STORAGE);
        range("configVersion", configVersion, 1, Integer.MAX_VALUE);
    }

    private static void range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidFieldException(field, field + " " + value + " is outside " + min + ".." + max);
        }
    }

    @Override
    public MessageType type() {
        return MessageType.HEARTBEAT_ACK;
    }
}
