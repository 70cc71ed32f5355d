package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void imsi_is_six_to_fifteen_decimal_digits() {
        assertTrue(Identifiers.isImsi("460011234567890"));
        assertTrue(Identifiers.isImsi("001010"));
        assertFalse(Identifiers.isImsi("4600112345678901"));
        assertFalse(Identifiers.isImsi("46001A234567890"));
        assertFalse(Identifiers.isImsi(null));
    }

    @Test
    void iccid_allows_padding_f_and_operator_hex_letters() {
        assertTrue(Identifiers.isIccid("89860012345678901234"));
        assertTrue(Identifiers.isIccid("8986001234567890123F"));
        assertTrue(Identifiers.isIccid("898600D1234567890123"));
        assertFalse(Identifiers.isIccid("8986001234567"));
        assertFalse(Identifiers.isIccid("8986001234567890123f"));
    }

    @Test
    void imei_is_fifteen_digits() {
        assertTrue(Identifiers.isImei("356938035643809"));
        assertFalse(Identifiers.isImei("35693803564380"));
    }

    @Test
    void require_names_the_field_and_escapes_the_value() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Identifiers.requireImsi("12\n34"));
        assertEquals("imsi '12\\n34' is not 6-15 decimal digits (3GPP TS 23.003)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Identifiers.requireRequestId(null));
        assertEquals("requestId is missing", e.getMessage());
    }

    @Test
    void request_id_accepts_a_uuid_and_refuses_spaces_and_overlong_ids() {
        assertTrue(Identifiers.isRequestId("0b6f3c1e-3f0a-4c1e-9f4e-2d8c5a7b9e10"));
        assertFalse(Identifiers.isRequestId("a b"));
        assertFalse(Identifiers.isRequestId("x".repeat(65)));
        assertFalse(Identifiers.isRequestId(""));
    }
}
