package io.vinbind.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The login's optional identity fields (EID, model information): absent = not reported, strict otherwise. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoginIdentityCodecTest {

    static final String EID = "89049032123451234512345678901235";
    static final String BASE = "{\"version\":2,\"requestId\":\"l-1\",\"terminalId\":\"TBOX-1\",\"imsi\":\"460011234567890\","
        + "\"iccid\":\"8986001234567890123F\",\"imei\":\"356938035643809\"";
    static final String FULL = BASE + ",\"eid\":\"" + EID + "\",\"terminalModel\":\"VB-T100\","
        + "\"softwareVersion\":\"0.1.0-SNAPSHOT\",\"modemModel\":\"EG25\",\"modemFirmware\":\"EG25GGBR07A08M2G\"}";

    static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    static ProtocolException refused(String json) {
        return assertThrows(ProtocolException.class, () -> JsonCodec.decodeLoginRequest(bytes(json)));
    }

    @Test
    void a_login_without_the_new_fields_stays_valid_and_encodes_without_them() throws ProtocolException {
        LoginRequest r = JsonCodec.decodeLoginRequest(bytes(BASE + "}"));
        assertNull(r.eid());
        assertNull(r.terminalModel());
        assertNull(r.modemFirmware());
        assertEquals(BASE + "}", new String(JsonCodec.encode(r), UTF_8));
        assertEquals(r, LoginRequest.of("l-1", "TBOX-1", "460011234567890", "8986001234567890123F", "356938035643809"));
    }

    @Test
    void round_trips_every_field() throws ProtocolException {
        LoginRequest r = JsonCodec.decodeLoginRequest(bytes(FULL));
        assertEquals(EID, r.eid());
        assertEquals("VB-T100", r.terminalModel());
        assertEquals("0.1.0-SNAPSHOT", r.softwareVersion());
        assertEquals("EG25", r.modemModel());
        assertEquals("EG25GGBR07A08M2G", r.modemFirmware());
        assertEquals(FULL, new String(JsonCodec.encode(r), UTF_8));
        LoginRequest built = LoginRequest.of("l-1", "TBOX-1", "460011234567890", "8986001234567890123F", "356938035643809")
            .withEid(EID).withModels("VB-T100", "0.1.0-SNAPSHOT", "EG25", "EG25GGBR07A08M2G");
        assertEquals(r, built);
    }

    @Test
    void some_fields_may_be_left_out_alone() throws ProtocolException {
        String json = BASE + ",\"modemModel\":\"EG25\"}";
        LoginRequest r = JsonCodec.decodeLoginRequest(bytes(json));
        assertEquals("EG25", r.modemModel());
        assertNull(r.eid());
        assertEquals(json, new String(JsonCodec.encode(r), UTF_8));
    }

    @Test
    void an_explicit_null_is_refused_naming_the_field() {
        ProtocolException e = refused(BASE + ",\"eid\":null}");
        assertEquals(ProtocolException.Problem.WRONG_TYPE, e.problem());
        assertEquals(Optional.of("eid"), e.field());
        assertEquals(Optional.of("l-1"), e.requestId());
    }

    @Test
    void wrong_types_are_refused() {
        ProtocolException e = refused(BASE + ",\"eid\":89049032123451234512345678901235}");
        assertEquals(ProtocolException.Problem.WRONG_TYPE, e.problem());
        assertEquals(Optional.of("eid"), e.field());
        e = refused(BASE + ",\"modemModel\":[\"EG25\"]}");
        assertEquals(Optional.of("modemModel"), e.field());
    }

    @Test
    void an_eid_with_wrong_check_digits_or_length_is_refused() {
        ProtocolException e = refused(BASE + ",\"eid\":\"89049032123451234512345678901234\"}");
        assertEquals(ProtocolException.Problem.INVALID_VALUE, e.problem());
        assertEquals(Optional.of("eid"), e.field());
        assertTrue(e.getMessage().contains("check digits"), e.getMessage());
        e = refused(BASE + ",\"eid\":\"8904903212345123451234567890123\"}");
        assertEquals(Optional.of("eid"), e.field());
        assertTrue(e.getMessage().contains("32 decimal digits"), e.getMessage());
    }

    @Test
    void model_text_out_of_bounds_is_refused_naming_the_field() {
        for (String field : new String[] {"terminalModel", "softwareVersion", "modemModel", "modemFirmware"}) {
            ProtocolException e = refused(BASE + ",\"" + field + "\":\"EG25\\nRevision\"}");
            assertEquals(ProtocolException.Problem.INVALID_VALUE, e.problem(), field);
            assertEquals(Optional.of(field), e.field());
            assertFalse(e.getMessage().contains("\n"), "the control character is escaped: " + e.getMessage());
            assertEquals(Optional.of(field), refused(BASE + ",\"" + field + "\":\"\"}").field());
            assertEquals(Optional.of(field), refused(BASE + ",\"" + field + "\":\"" + "A".repeat(65) + "\"}").field());
        }
        assertEquals(Optional.of("modemModel"), refused(BASE + ",\"modemModel\":\"EG25;DROP\"}").field());
    }

    @Test
    void unknown_fields_are_still_refused() {
        ProtocolException e = refused(BASE + ",\"modemVendor\":\"Quectel\"}");
        assertEquals(ProtocolException.Problem.UNKNOWN_FIELD, e.problem());
        assertEquals(Optional.of("modemVendor"), e.field());
    }

    @Test
    void the_required_fields_are_still_required() {
        ProtocolException e = refused(FULL.replace(",\"imei\":\"356938035643809\"", ""));
        assertEquals(ProtocolException.Problem.MISSING_FIELD, e.problem());
        assertEquals(Optional.of("imei"), e.field());
        e = refused(FULL.replace("\"imei\":\"356938035643809\"", "\"imei\":null"));
        assertEquals(ProtocolException.Problem.MISSING_FIELD, e.problem());
        assertEquals(Optional.of("imei"), e.field());
    }

    @Test
    void identifiers_check_the_eid_as_sgp29_does() {
        assertTrue(Identifiers.isEid(EID));
        assertTrue(Identifiers.isEid("89049032000000000000000000001230"));
        assertFalse(Identifiers.isEid("89049032000000000000000000001231"));
        assertFalse(Identifiers.isEid("8904903200000000000000000000123A"));
        assertFalse(Identifiers.isEid(null));
        assertThrows(IllegalArgumentException.class, () -> Identifiers.requireEid("89049032000000000000000000001231"));
        assertEquals("EG25", Identifiers.requireModelText("modemModel", "EG25"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Identifiers.requireModelText("terminalModel", "caf\u00e9"));
        assertTrue(e.getMessage().startsWith("terminalModel"), e.getMessage());
    }
}
