package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target of the JSON mapping (Jazzer, coverage-guided; docs/bench.md "fuzzing"). The build runs it on
 * the committed corpus in {@code src/test/resources/io/vinbind/protocol/JsonCodecFuzzTestInputs/<method>/};
 * {@code ./vinbind bench fuzz --target json} fuzzes it.
 *
 * <p>The contract under test: {@link JsonCodec#decode(MessageType, byte[])} of any bytes, as any message
 * type, either returns a valid record of that type or throws {@link ProtocolException} (anything else
 * propagates and is the finding); a decoded record encodes to a payload that decodes to an equal record and
 * encodes to the same bytes again; and a refusal can be answered: its requestId, when it carries one, is
 * well-formed, and its message is printable ASCII, since the server logs it.
 */
class JsonCodecFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void decode_yields_a_valid_record_or_a_protocol_exception(byte[] payload) {
        for (MessageType type : MessageType.values()) {
            Message decoded;
            try {
                decoded = JsonCodec.decode(type, payload);
            } catch (ProtocolException e) {
                checkRefusal(e, payload, type);
                continue;
            }
            assertTrue(type.payloadType().isInstance(decoded), () -> "decoded " + type + " as " + decoded);
            assertEquals(type, decoded.type());
            assertEquals(Protocol.VERSION, decoded.version(), "decoded a payload of another version");
            assertTrue(payload.length <= type.maxPayloadBytes(), "decoded an oversized payload");
            byte[] encoded = JsonCodec.encode(decoded);
            assertTrue(encoded.length <= type.maxPayloadBytes(),
                () -> "a decoded record encodes to " + encoded.length + " bytes, over the limit");
            Message again;
            try {
                again = JsonCodec.decode(type, encoded);
            } catch (ProtocolException e) {
                throw new AssertionError("the encoding of a decoded " + type + " is refused: " + e.getMessage(), e);
            }
            assertEquals(decoded, again, "round trip changed the record");
            assertArrayEquals(encoded, JsonCodec.encode(again), "encoding is not canonical");
        }
    }

    private static void checkRefusal(ProtocolException e, byte[] payload, MessageType type) {
        assertNotNull(e.problem());
        assertNotNull(e.reasonCode());
        String message = e.getMessage();
        assertNotNull(message, "a refusal without a message");
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new AssertionError(String.format("refusal message has character U+%04X at %d (logged as is): %s",
                    (int) c, i, Identifiers.printable(message)), e);
            }
        }
        e.requestId().ifPresent(id -> assertTrue(Identifiers.isRequestId(id), "recovered a malformed requestId"));
        if (payload.length > type.maxPayloadBytes()) {
            assertEquals(ProtocolException.Problem.TOO_LARGE, e.problem());
        }
    }
}
