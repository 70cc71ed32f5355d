package io.vinbind.server.presence;

import io.vinbind.protocol.HeartbeatAck;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a terminal is told to use: seconds between heartbeats, seconds between batches of status records, and how many
 * unsent records it keeps (the time limit and the storage limit of the seed's limits table). Bounds as
 * {@link HeartbeatAck} carries them.
 */
public record Limits(int heartbeatIntervalS, int sendIntervalS, int storageRecords) {

    /** One heartbeat a minute, records every five, 500 kept. */
    public static final Limits DEFAULT = new Limits(60, 300, 500);

    public Limits {
        check("heartbeatIntervalS", heartbeatIntervalS, HeartbeatAck.MIN_INTERVAL_S, HeartbeatAck.MAX_INTERVAL_S);
        check("sendIntervalS", sendIntervalS, HeartbeatAck.MIN_INTERVAL_S, HeartbeatAck.MAX_SEND_INTERVAL_S);
        check("storageRecords", storageRecords, 1, HeartbeatAck.MAX_STORAGE);
    }

    private static void check(String field, int v, int min, int max) {
        if (v < min || v > max) {
            throw new IllegalArgumentException(field + ": " + v + " is outside " + min + ".." + max);
        }
    }

    Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heartbeatIntervalS", heartbeatIntervalS);
        m.put("sendIntervalS", sendIntervalS);
        m.put("storageRecords", storageRecords);
        return m;
    }
}
