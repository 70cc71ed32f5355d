package io.vinbind.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EsimRelayCodecTest {

    static final String ISD_R = "A0000005591010FFFFFFFF8900000100";

    private static final String BATCH_JSON = "{"
        + "\"version\":2,"                                   // protocol version
        + "\"requestId\":\"b-7\","                           // the batch id: the at-most-once key on the terminal
        + "\"terminalId\":\"TBOX-A2-000017\","               // must equal the topic's terminal id
        + "\"session\":\"dl-1\","                            // one ES10 conversation on one channel
        + "\"sequence\":3,"                                  // 0 opens the session; each next batch is +1
        + "\"aid\":\"" + ISD_R + "\","                       // the ISD-R (SGP.22 2.2.3)
        + "\"channel\":\"KEEP\","                            // leave the channel open for the next batch
        + "\"stopOn\":\"ERROR_STATUS_OR_INSTALLATION_RESULT\"," // stop at an error SW or a BF37
        + "\"timeoutMs\":30000,"                             // bound of the whole batch
        + "\"apdus\":[\"80E2910003BF2000\",\"80E2110000\"]" // STORE DATA blocks (CLA channel bits: terminal's)
        + "}";

    private static final String RESULT_JSON = "{"
        + "\"version\":2,"
        + "\"requestId\":\"b-7\","                           // the batch's id
        + "\"terminalId\":\"TBOX-A2-000017\","
        + "\"session\":\"dl-1\","
        + "\"sequence\":3,"
        + "\"outcome\":\"STOPPED\","                         // ended early by the stop rule
        + "\"reason\":\"STATUS_WORD\","                      // ... at an error status word
        + "\"responses\":[\"9000\",\"6A88\"],"               // one per APDU that reached the card
        + "\"detail\":\"6A88 after 2 of 2\""                 // for people
        + "}";

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void decodes_a_batch_field_by_field_and_encodes_it_back_in_contract_order() throws ProtocolException {
        EsimBatch b = JsonCodec.decodeEsimBatch(bytes(BATCH_JSON));
        assertEquals("b-7", b.requestId());
        assertEquals("dl-1", b.session());
        assertEquals(3, b.sequence());
        assertEquals(ISD_R, b.aid());
        assertEquals(ChannelHandling.KEEP, b.channel());
        assertEquals(StopRule.ERROR_STATUS_OR_INSTALLATION_RESULT, b.stopOn());
        assertEquals(30000, b.timeoutMs());
        assertEquals(List.of("80E2910003BF2000", "80E2110000"), b.apdus());
        assertEquals(5, b.apduBytes().get(1).length);
        assertEquals("vinbind/v2/TBOX-A2-000017/esim/batch", b.topic());
        assertEquals(BATCH_JSON, new String(JsonCodec.encode(b), UTF_8));
    }

    @Test
    void decodes_a_result_and_encodes_it_back() throws ProtocolException {
        EsimResult r = JsonCodec.decodeEsimResult(bytes(RESULT_JSON));
        assertEquals(BatchOutcome.STOPPED, r.outcome());
        assertEquals(RelayReason.STATUS_WORD, r.reason());
        assertEquals(List.of("9000", "6A88"), r.responses());
        assertEquals("vinbind/v2/TBOX-A2-000017/esim/result", r.topic());
        assertEquals(RESULT_JSON, new String(JsonCodec.encode(r), UTF_8));
    }

    @Test
    void hex_is_normalised_to_upper_case() throws ProtocolException {
        EsimBatch b = JsonCodec.decodeEsimBatch(bytes(BATCH_JSON.replace(ISD_R, ISD_R.toLowerCase())
            .replace("80E2110000", "80e2110000")));
        assertEquals(ISD_R, b.aid());
        assertEquals("80E2110000", b.apdus().get(1));
    }

    @Test
    void a_bad_apdu_is_refused_naming_it_and_keeping_the_request_id() {
        ProtocolException odd = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeEsimBatch(bytes(BATCH_JSON.replace("80E2110000", "80E211000"))));
        assertEquals(ProtocolException.Problem.INVALID_VALUE, odd.problem());
        assertEquals(Optional.of("apdus[1]"), odd.field());
        assertEquals(Optional.of("b-7"), odd.requestId());
        assertTrue(odd.getMessage().contains("even number of hex digits"), odd.getMessage());

        ProtocolException shortApdu = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeEsimBatch(bytes(BATCH_JSON.replace("80E2110000", "80E2"))));
        assertEquals(Optional.of("apdus[1]"), shortApdu.field());
        assertTrue(shortApdu.getMessage().contains("2 bytes, allowed 4-261"), shortApdu.getMessage());

        ProtocolException notText = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeEsimBatch(bytes(BATCH_JSON.replace("\"80E2110000\"", "7"))));
        assertEquals(ProtocolException.Problem.WRONG_TYPE, notText.problem());
        assertEquals(Optional.of("apdus[1]"), notText.field());

        ProtocolException notArray = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeEsimBatch(bytes(BATCH_JSON.replace("[\"80E2910003BF2000\",\"80E2110000\"]",
                "\"80E2110000\""))));
        assertEquals(ProtocolException.Problem.WRONG_TYPE, notArray.problem());
        assertEquals(Optional.of("apdus"), notArray.field());

        ProtocolException empty = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeEsimBatch(bytes(BATCH_JSON.replace("[\"80E2910003BF2000\",\"80E2110000\"]", "[]"))));
        assertEquals(Optional.of("apdus"), empty.field());

        ProtocolException aid = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeEsimBatch(bytes(BATCH_JSON.replace(ISD_R, "A000"))));
        assertEquals(Optional.of("aid"), aid.field());
    }

    @Test
    void batch_limits_are_raised_above_the_binding_limit_and_enforced() throws ProtocolException {
        // 256 APDUs of 261 bytes: the largest batch the record allows fits the batch limit
        String apdu = "80E21100FF" + "AB".repeat(255) + "00";
        EsimBatch big = new EsimBatch(2, "b-big", "T1", "s", 0, ISD_R, ChannelHandling.KEEP, StopRule.ERROR_STATUS,
            1000, Collections.nCopies(EsimBatch.MAX_APDUS, apdu));
        byte[] encoded = JsonCodec.encode(big);
        assertTrue(encoded.length > Protocol.MAX_PAYLOAD_BYTES * 100, "far above the binding limit: " + encoded.length);
        assertTrue(encoded.length <= Protocol.MAX_BATCH_BYTES, "within the batch limit: " + encoded.length);
        assertEquals(big, JsonCodec.decodeEsimBatch(encoded));
        assertTrue(MessageType.ESIM_BATCH.maxPayloadBytes() < 256 * 1024, "below the broker's packet limit");

        byte[] over = new byte[Protocol.MAX_BATCH_BYTES + 1];
        ProtocolException tooLarge = assertThrows(ProtocolException.class, () -> JsonCodec.decodeEsimBatch(over));
        assertEquals(ProtocolException.Problem.TOO_LARGE, tooLarge.problem());
        assertEquals(ReasonCode.PAYLOAD_TOO_LARGE, tooLarge.reasonCode());
        assertThrows(IllegalArgumentException.class, () -> new EsimBatch(2, "b", "T1", "s", 0, ISD_R,
            ChannelHandling.KEEP, StopRule.ERROR_STATUS, 1000, Collections.nCopies(EsimBatch.MAX_APDUS + 1, "80E20000")));
        // the binding messages keep their 1 KiB
        assertEquals(1024, MessageType.BIND.maxPayloadBytes());
    }

    @Test
    void outcome_and_reason_must_agree_and_a_refusal_has_no_responses() {
        assertThrows(IllegalArgumentException.class, () -> new EsimResult(2, "b", "T1", "s", 0, BatchOutcome.COMPLETED,
            RelayReason.STATUS_WORD, List.of("9000"), ""));
        assertThrows(IllegalArgumentException.class, () -> new EsimResult(2, "b", "T1", "s", 0, BatchOutcome.REFUSED,
            RelayReason.MODEM_BUSY, List.of("9000"), ""));
        assertThrows(IllegalArgumentException.class, () -> new EsimResult(2, "b", "T1", "s", 0, BatchOutcome.REFUSED,
            RelayReason.NONE, List.of(), ""));
        assertThrows(IllegalArgumentException.class, () -> new EsimResult(2, "b", "T1", "s", 0, BatchOutcome.COMPLETED,
            RelayReason.NONE, List.of(), ""));
        // POWER_OFF goes with both: before the batch (refused) and in the middle (failed)
        new EsimResult(2, "b", "T1", "s", 0, BatchOutcome.REFUSED, RelayReason.POWER_OFF, List.of(), "");
        new EsimResult(2, "b", "T1", "s", 0, BatchOutcome.FAILED, RelayReason.POWER_OFF, List.of("9000"), "");
        // an unreadable batch is refused with an empty session
        EsimResult r = new EsimResult(2, "b", "T1", "", 0, BatchOutcome.REFUSED, RelayReason.MALFORMED_BATCH, List.of(), "x");
        assertFalse(r.outcome().ran());
        assertThrows(IllegalArgumentException.class, () -> new EsimResult(2, "b", "T1", "s", 0, BatchOutcome.FAILED,
            RelayReason.MODEM_ERROR, List.of(), "bad\ncontrol"));
    }

    @Test
    void detail_is_made_printable_and_bounded() {
        String d = EsimResult.printableDetail("modem said \u0007" + "x".repeat(400));
        assertTrue(d.length() <= EsimResult.MAX_DETAIL);
        assertTrue(d.chars().allMatch(c -> c >= 0x20 && c < 0x7f), d);
    }

    @Test
    void relay_topics_parse_and_are_keyed_by_the_terminal() throws ProtocolException {
        assertEquals(new TopicAddress("T1", MessageType.ESIM_BATCH), Topics.parse("vinbind/v2/T1/esim/batch"));
        assertEquals(new TopicAddress("T1", MessageType.ESIM_RESULT), Topics.parse("vinbind/v2/T1/esim/result"));
        assertTrue(MessageType.ESIM_BATCH.isAck(), "the server publishes batches");
        assertFalse(MessageType.ESIM_RESULT.isAck(), "the terminal publishes results");
        assertEquals("$share/vinbind/vinbind/v2/+/esim/result", Topics.sharedSubscription(MessageType.ESIM_RESULT));
    }
}
