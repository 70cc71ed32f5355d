package io.vinbind.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

    private static final String BIND_JSON = "{"
        + "\"version\":2,"                                   // protocol version
        + "\"requestId\":\"r-42\","                          // echoed by the ack
        + "\"terminalId\":\"TBOX-A2-000017\","               // must equal the topic's terminal id
        + "\"imsi\":\"460011234567890\","                    // the IMSI the terminal logged in with
        + "\"iccid\":\"89860012345678901234\","              // SIM serial
        + "\"imei\":\"356938035643809\","                    // modem serial
        + "\"vin\":\"1M8GDM9AXKP042788\","                   // the VIN read over UDS 0xF190
        + "\"reason\":\"MODEM_REPLACED\""                    // why the terminal uploads
        + "}";

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    @Test
    void decodes_a_bind_request_field_by_field() throws ProtocolException {
        BindRequest r = JsonCodec.decodeBindRequest(bytes(BIND_JSON));
        assertEquals(2, r.version());
        assertEquals("r-42", r.requestId());
        assertEquals("TBOX-A2-000017", r.terminalId());
        assertEquals("460011234567890", r.imsi());
        assertEquals("89860012345678901234", r.iccid());
        assertEquals("356938035643809", r.imei());
        assertEquals("1M8GDM9AXKP042788", r.vin());
        assertEquals(UploadReason.MODEM_REPLACED, r.reason());
        assertEquals("vinbind/v2/TBOX-A2-000017/bind", r.topic());
    }

    @Test
    void encodes_a_bind_request_with_fields_in_contract_order() {
        BindRequest r = BindRequest.of("r-42", "TBOX-A2-000017", "460011234567890", "89860012345678901234", "356938035643809",
            "1M8GDM9AXKP042788", UploadReason.MODEM_REPLACED);
        assertEquals(BIND_JSON, new String(JsonCodec.encode(r), UTF_8));
    }

    @Test
    void encodes_and_decodes_a_bind_ack() throws ProtocolException {
        String json = "{"
            + "\"version\":2,"
            + "\"requestId\":\"r-42\","
            + "\"terminalId\":\"TBOX-A2-000017\","
            + "\"imsi\":\"460011234567890\","
            + "\"vin\":\"1M8GDM9AXKP042788\","
            + "\"outcome\":\"REBOUND\","                     // the IMSI was bound to another VIN before
            + "\"reason\":\"NONE\""                          // successes carry NONE
            + "}";
        BindAck ack = JsonCodec.decodeBindAck(bytes(json));
        assertEquals(BindOutcome.REBOUND, ack.outcome());
        assertEquals(ReasonCode.NONE, ack.reason());
        assertTrue(ack.outcome().isBound());
        assertArrayEquals(bytes(json), JsonCodec.encode(ack));
    }

    @Test
    void encodes_and_decodes_login_and_login_ack() throws ProtocolException {
        String login = "{\"version\":2,\"requestId\":\"l-1\",\"terminalId\":\"TBOX-1\",\"imsi\":\"460011234567890\","
            + "\"iccid\":\"8986001234567890123F\",\"imei\":\"356938035643809\"}";
        LoginRequest req = JsonCodec.decodeLoginRequest(bytes(login));
        assertEquals("8986001234567890123F", req.iccid());
        assertEquals(login, new String(JsonCodec.encode(req), UTF_8));

        String ack = "{\"version\":2,\"requestId\":\"l-1\",\"terminalId\":\"TBOX-1\",\"imsi\":\"460011234567890\","
            + "\"outcome\":\"REJECTED\",\"reason\":\"UNKNOWN_IMSI\"}";
        LoginAck decoded = JsonCodec.decodeLoginAck(bytes(ack));
        assertEquals(LoginOutcome.REJECTED, decoded.outcome());
        assertEquals(ReasonCode.UNKNOWN_IMSI, decoded.reason());
        assertEquals(ack, new String(JsonCodec.encode(decoded), UTF_8));
    }

    @Test
    void decodes_by_message_type_from_the_topic() throws ProtocolException {
        Message m = JsonCodec.decode(MessageType.BIND, bytes(BIND_JSON));
        assertTrue(m instanceof BindRequest);
    }

    @Test
    void refuses_an_unknown_field_naming_it_and_keeps_the_request_id() {
        ProtocolException e = refused(BIND_JSON.replace("}", ",\"extra\":true}"));
        assertEquals(ProtocolException.Problem.UNKNOWN_FIELD, e.problem());
        assertEquals(Optional.of("extra"), e.field());
        assertEquals(Optional.of("r-42"), e.requestId());
        assertEquals(ReasonCode.MALFORMED_PAYLOAD, e.reasonCode());
    }

    @Test
    void refuses_a_missing_or_null_field_naming_it() {
        ProtocolException e = refused(BIND_JSON.replace(",\"vin\":\"1M8GDM9AXKP042788\"", ""));
        assertEquals(ProtocolException.Problem.MISSING_FIELD, e.problem());
        assertEquals(Optional.of("vin"), e.field());
        e = refused(BIND_JSON.replace("\"MODEM_REPLACED\"", "null"));
        assertEquals(ProtocolException.Problem.MISSING_FIELD, e.problem());
        assertEquals(Optional.of("reason"), e.field());
    }

    @Test
    void refuses_wrong_types_without_coercion() {
        assertWrongType(BIND_JSON.replace("\"version\":2", "\"version\":\"2\""), "version");
        assertWrongType(BIND_JSON.replace("\"version\":2", "\"version\":2.0"), "version");
        assertWrongType(BIND_JSON.replace("\"version\":2", "\"version\":4294967298"), "version");
        assertWrongType(BIND_JSON.replace("\"TBOX-A2-000017\"", "17"), "terminalId");
        assertWrongType(BIND_JSON.replace("\"imsi\":\"460011234567890\"", "\"imsi\":460011234567890"), "imsi");
        assertWrongType(BIND_JSON.replace("\"r-42\"", "[\"r-42\"]"), "requestId");
        assertWrongType(BIND_JSON.replace("\"MODEM_REPLACED\"", "3"), "reason");
        assertWrongType(BIND_JSON.replace("\"1M8GDM9AXKP042788\"", "{}"), "vin");
        assertWrongType(BIND_JSON.replace("\"MODEM_REPLACED\"", "true"), "reason");
    }

    @Test
    void refuses_unknown_enum_constants_listing_the_allowed_ones() {
        ProtocolException e = refused(BIND_JSON.replace("MODEM_REPLACED", "modem_replaced"));
        assertEquals(ProtocolException.Problem.INVALID_VALUE, e.problem());
        assertEquals(Optional.of("reason"), e.field());
        assertTrue(e.getMessage().contains("ASSEMBLY"), e.getMessage());
    }

    @Test
    void refuses_values_the_record_refuses_naming_the_field() {
        ProtocolException e = refused(BIND_JSON.replace("\"460011234567890\"", "\"46001-123\""));
        assertEquals(ProtocolException.Problem.INVALID_VALUE, e.problem());
        assertEquals(Optional.of("imsi"), e.field());
        assertEquals(Optional.of("r-42"), e.requestId());
        e = refused(BIND_JSON.replace("\"1M8GDM9AXKP042788\"", "\"\""));
        assertEquals(Optional.of("vin"), e.field());
    }

    @Test
    void an_invalid_vin_text_that_fits_is_decoded_so_the_server_can_answer_invalid_vin() throws ProtocolException {
        BindRequest r = JsonCodec.decodeBindRequest(bytes(BIND_JSON.replace("1M8GDM9AXKP042788", "1M8GDM9A0KP042788")));
        assertFalse(Vin.isValid(r.vin(), VinPolicy.STRICT));
    }

    @Test
    void refuses_an_unsupported_version_before_judging_fields() {
        ProtocolException e = refused("{\"version\":3,\"requestId\":\"r-9\",\"newField\":1}");
        assertEquals(ProtocolException.Problem.UNSUPPORTED_VERSION, e.problem());
        assertEquals(ReasonCode.UNSUPPORTED_VERSION, e.reasonCode());
        assertEquals(Optional.of("r-9"), e.requestId());
        // a v1 payload (IMSI-keyed, no terminal id) is a version problem, not a missing field
        e = refused("{\"version\":1,\"requestId\":\"r-1\",\"imsi\":\"460011234567890\",\"iccid\":\"89860012345678901234\","
            + "\"imei\":\"356938035643809\",\"vin\":\"1M8GDM9AXKP042788\",\"reason\":\"ASSEMBLY\"}");
        assertEquals(ProtocolException.Problem.UNSUPPORTED_VERSION, e.problem());
        e = refused(BIND_JSON.replace("\"version\":2", "\"version\":0"));
        assertEquals(ProtocolException.Problem.UNSUPPORTED_VERSION, e.problem());
    }

    @Test
    void refuses_non_json_non_objects_trailing_content_and_duplicate_keys() {
        assertEquals(ProtocolException.Problem.MALFORMED_JSON, refused("not json").problem());
        assertEquals(ProtocolException.Problem.MALFORMED_JSON, refused("").problem());
        assertEquals(ProtocolException.Problem.MALFORMED_JSON, refused("[1,2]").problem());
        assertEquals(ProtocolException.Problem.MALFORMED_JSON, refused("\"text\"").problem());
        assertEquals(ProtocolException.Problem.MALFORMED_JSON, refused(BIND_JSON + "{}").problem());
        assertEquals(ProtocolException.Problem.MALFORMED_JSON,
            refused(BIND_JSON.replace("{", "{\"vin\":\"11111111111111111\",")).problem());
        assertEquals(ProtocolException.Problem.MALFORMED_JSON,
            assertThrows(ProtocolException.class, () -> JsonCodec.decodeBindRequest(new byte[] {(byte) 0xC3, 0x28}))
                .problem());
        assertEquals(Optional.empty(), refused("not json").requestId());
    }

    @Test
    void refuses_payloads_over_the_limit_before_parsing() {
        byte[] big = new byte[Protocol.MAX_PAYLOAD_BYTES + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        ProtocolException e = assertThrows(ProtocolException.class, () -> JsonCodec.decodeBindRequest(big));
        assertEquals(ProtocolException.Problem.TOO_LARGE, e.problem());
        assertEquals(ReasonCode.PAYLOAD_TOO_LARGE, e.reasonCode());
    }

    @Test
    void an_oversized_payload_still_yields_its_request_id_for_the_reply() {
        String padded = "{\"pad\":[" + "0,".repeat(Protocol.MAX_PAYLOAD_BYTES) + "0],\"requestId\":\"r-big\"}";
        ProtocolException e = refused(padded);
        assertEquals(ProtocolException.Problem.TOO_LARGE, e.problem());
        assertEquals(Optional.of("r-big"), e.requestId());
        String noId = "{\"pad\":\"" + "x".repeat(Protocol.MAX_PAYLOAD_BYTES) + "\"}";
        assertEquals(Optional.empty(), refused(noId).requestId());
        assertEquals(Optional.empty(), refused("[" + "1,".repeat(Protocol.MAX_PAYLOAD_BYTES) + "1]").requestId());
    }

    @Test
    void the_largest_legal_bind_request_fits_the_limit() {
        BindRequest r = BindRequest.of("x".repeat(64), "T".repeat(64), "460011234567890", "8".repeat(22),
            "356938035643809", "V".repeat(BindRequest.MAX_VIN_CHARS), UploadReason.TERMINAL_REPLACED);
        assertEquals(325, JsonCodec.encode(r).length, "the size docs/protocol.md states");
        assertTrue(JsonCodec.encode(r).length < Protocol.MAX_PAYLOAD_BYTES / 3);
    }

    @Test
    void refuses_an_ack_whose_reason_contradicts_its_outcome() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> JsonCodec.decodeBindAck(bytes(
            "{\"version\":2,\"requestId\":\"r\",\"terminalId\":\"T\",\"imsi\":\"460011234567890\",\"vin\":\"11111111111111111\","
                + "\"outcome\":\"BOUND\",\"reason\":\"INVALID_VIN\"}")));
        assertEquals(ProtocolException.Problem.INVALID_VALUE, e.problem());
        assertEquals(Optional.of("reason"), e.field());
    }

    @Test
    void refuses_a_byte_order_mark_but_still_finds_the_request_id() {
        byte[] withBom = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, bytes(BIND_JSON));
        ProtocolException e = assertThrows(ProtocolException.class, () -> JsonCodec.decodeBindRequest(withBom));
        assertEquals(ProtocolException.Problem.MALFORMED_JSON, e.problem());
        assertEquals(ReasonCode.MALFORMED_PAYLOAD, e.reasonCode());
        assertEquals(Optional.of("r-42"), e.requestId(), "the refusal can be answered");
        assertTrue(e.getMessage().contains("byte-order mark"), e.getMessage());
    }

    @Test
    void refuses_utf16_and_utf32_text_that_jackson_alone_would_decode() {
        for (String charset : new String[] {"UTF-16BE", "UTF-16LE", "UTF-16", "UTF-32BE", "UTF-32LE"}) {
            byte[] payload = BIND_JSON.getBytes(java.nio.charset.Charset.forName(charset));
            ProtocolException e = assertThrows(ProtocolException.class, () -> JsonCodec.decodeBindRequest(payload),
                charset);
            assertEquals(ProtocolException.Problem.MALFORMED_JSON, e.problem(), charset);
            assertEquals(Optional.of("r-42"), e.requestId(), charset + ": answered with its requestId");
        }
    }

    @Test
    void refuses_overlong_and_surrogate_utf8_forms() {
        String[] bad = {
            "C0AF",      // '/' as a 2-byte overlong form
            "E080AF",    // '/' as a 3-byte overlong form
            "C180",      // 'A' + 0x40 overlong
            "EDA080",    // U+D800, a surrogate encoded as if it were a character (CESU-8)
            "F4908080",  // U+110000, above the Unicode range
            "FF",        // never a UTF-8 byte
            "C3"         // a lead byte with its continuation missing
        };
        for (String hex : bad) {
            byte[] raw = java.util.HexFormat.of().parseHex(hex);
            byte[] payload = concat(bytes(BIND_JSON.replace("\"r-42\"", "\"r-42\",\"vin\":\"")), raw);
            ProtocolException e = assertThrows(ProtocolException.class, () -> JsonCodec.decodeBindRequest(payload),
                hex);
            assertEquals(ProtocolException.Problem.MALFORMED_JSON, e.problem(), hex);
            assertTrue(e.getMessage().contains("not UTF-8"), hex + ": " + e.getMessage());
        }
    }

    @Test
    void the_message_of_a_refusal_escapes_control_characters_from_the_payload() {
        String esc = "\u001b[31m";
        String jsonEscapedEsc = "\\u001b[31m"; // JSON's own escape: the decoded name holds a raw ESC
        ProtocolException unknown = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeBindRequest(bytes(BIND_JSON.replace("\"reason\"", "\"" + jsonEscapedEsc + "\""))));
        ProtocolException token = assertThrows(ProtocolException.class,
            () -> JsonCodec.decodeBindRequest(bytes("{\"version\":2,\"requestId\":x" + esc + "}")));
        for (ProtocolException e : new ProtocolException[] {unknown, token}) {
            assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c <= 0x7e), e.getMessage());
        }
        assertTrue(unknown.getMessage().contains("\\x1B[31m"), unknown.getMessage());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void assertWrongType(String json, String field) {
        ProtocolException e = refused(json);
        assertEquals(ProtocolException.Problem.WRONG_TYPE, e.problem(), e.getMessage());
        assertEquals(Optional.of(field), e.field());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    private static ProtocolException refused(String json) {
        return assertThrows(ProtocolException.class, () -> JsonCodec.decodeBindRequest(bytes(json)));
    }
}
