package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The presence messages through the strict codec: round trips and refusals naming the field. */
class PresenceCodecTest {

    @Test
    void heartbeats_and_acks_round_trip() throws Exception {
        Heartbeat hb = new Heartbeat(Protocol.VERSION, "hb-s1-7", "TBOX-1", "s1", 7, PresenceState.ALIVE, 3);
        assertEquals(hb, JsonCodec.decode(MessageType.HEARTBEAT, JsonCodec.encode(hb)));
        Heartbeat will = new Heartbeat(Protocol.VERSION, "will-s1", "TBOX-1", "s1", 0, PresenceState.LOST, 3);
        assertEquals(will, JsonCodec.decode(MessageType.HEARTBEAT, JsonCodec.encode(will)));
        HeartbeatAck ack = new HeartbeatAck(Protocol.VERSION, "hb-s1-7", "TBOX-1", 60, 300, 500, 4);
        assertEquals(ack, JsonCodec.decode(MessageType.HEARTBEAT_ACK, JsonCodec.encode(ack)));
        assertEquals("vinbind/v2/TBOX-1/heartbeat/ack", ack.topic());
    }

    @Test
    void status_reports_round_trip_and_bad_records_are_refused() throws Exception {
        StatusReport r = new StatusReport(Protocol.VERSION, "st-1", "TBOX-1", "s1",
            java.util.List.of("n=1;t=2026-12-02T08:00:00Z;power=ACC;state=BOUND", "n=2;t=2026-12-02T08:01:00.123Z"), 3);
        assertEquals(r, JsonCodec.decode(MessageType.STATUS, JsonCodec.encode(r)));
        StatusAck a = new StatusAck(Protocol.VERSION, "st-1", "TBOX-1", 2, 0);
        assertEquals(a, JsonCodec.decode(MessageType.STATUS_ACK, JsonCodec.encode(a)));
        assertEquals("records", assertThrows(InvalidFieldException.class, () -> new StatusReport(Protocol.VERSION,
            "st-1", "TBOX-1", "s1", java.util.List.of("t=2026-12-02T08:00:00Z"), 0)).field()); // no number
        assertEquals("records", assertThrows(InvalidFieldException.class, () -> new StatusReport(Protocol.VERSION,
            "st-1", "TBOX-1", "s1", java.util.List.of("n=1;t=2026-12-02T08:00:00Z;power=A C"), 0)).field());
        assertEquals("records", assertThrows(InvalidFieldException.class, () -> new StatusReport(Protocol.VERSION,
            "st-1", "TBOX-1", "s1", java.util.List.of(), 0)).field());
    }

    @Test
    void impossible_heartbeats_are_refused_naming_the_field() {
        assertEquals("sequence", assertThrows(InvalidFieldException.class,
            () -> new Heartbeat(Protocol.VERSION, "r", "TBOX-1", "s1", 0, PresenceState.ALIVE, 0)).field());
        assertEquals("sequence", assertThrows(InvalidFieldException.class,
            () -> new Heartbeat(Protocol.VERSION, "r", "TBOX-1", "s1", 5, PresenceState.LOST, 0)).field());
        assertEquals("heartbeatIntervalS", assertThrows(InvalidFieldException.class,
            () -> new HeartbeatAck(Protocol.VERSION, "r", "TBOX-1", 1, 300, 500, 1)).field());
        ProtocolException e = assertThrows(ProtocolException.class, () -> JsonCodec.decode(MessageType.HEARTBEAT,
            ("{\"version\":2,\"requestId\":\"hb-1\",\"terminalId\":\"TBOX-1\",\"session\":\"s1\",\"sequence\":1,"
                + "\"state\":\"ASLEEP\",\"configVersion\":0}").getBytes(StandardCharsets.UTF_8)));
        assertEquals("state", e.field().orElseThrow());
        assertEquals("hb-1", e.requestId().orElseThrow());
    }
}
