package io.vinbind.can.uds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NrcTest {

    @Test
    void maps_codes_seen_for_read_data_by_identifier() {
        assertEquals(Nrc.INCORRECT_MESSAGE_LENGTH_OR_INVALID_FORMAT, Nrc.fromCode(0x13).orElseThrow());
        assertEquals(Nrc.CONDITIONS_NOT_CORRECT, Nrc.fromCode(0x22).orElseThrow());
        assertEquals(Nrc.REQUEST_OUT_OF_RANGE, Nrc.fromCode(0x31).orElseThrow());
        assertEquals(Nrc.SECURITY_ACCESS_DENIED, Nrc.fromCode(0x33).orElseThrow());
        assertEquals(Nrc.REQUEST_CORRECTLY_RECEIVED_RESPONSE_PENDING, Nrc.fromCode(0x78).orElseThrow());
        assertTrue(Nrc.fromCode(0xF0).isEmpty(), "manufacturer-specific codes have no name");
    }

    @Test
    void negative_response_keeps_unknown_codes_and_prints_known_ones() {
        assertEquals("negative response to 0x22: NRC 0xF0", new NegativeResponse(0x22, 0xF0).toString());
        assertEquals("negative response to 0x22: NRC 0x31 request_out_of_range",
                new NegativeResponse(UdsService.READ_DATA_BY_IDENTIFIER, Nrc.REQUEST_OUT_OF_RANGE).toString());
        assertTrue(new NegativeResponse(0x22, 0x78).isResponsePending());
    }

    @Test
    void parses_codes_and_names() {
        assertEquals(0x22, Nrc.parseCode("0x22"));
        assertEquals(0x33, Nrc.parseCode("security-access-denied"));
        assertThrows(IllegalArgumentException.class, () -> Nrc.parseCode("0x100"));
        assertThrows(IllegalArgumentException.class, () -> Nrc.parseCode("nope"));
    }
}
