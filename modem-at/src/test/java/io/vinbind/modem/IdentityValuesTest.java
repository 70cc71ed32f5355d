package io.vinbind.modem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IdentityValuesTest {

    @Test
    void luhn_check_digit_matches_known_imeis() {
        // 49015420323751 → 8 (the GSMA example IMEI 490154203237518)
        assertEquals(8, Imei.luhnCheckDigit("49015420323751"));
        assertEquals("490154203237518", new Imei("490154203237518").value());
    }

    @Test
    void iccid_padding_and_case_are_normalised() {
        assertEquals("89860012345678901234", Iccid.parse(" \"89860012345678901234\" ").value());
        assertEquals("898600ABCDEF1234567", Iccid.parse("898600abcdef1234567f").value());
        assertThrows(IllegalArgumentException.class, () -> Iccid.parse("89860012345678901234567")); // 23 chars
        assertThrows(IllegalArgumentException.class, () -> Iccid.parse("8986001234567890G23"));     // G is not hex
    }

    @Test
    void ef_iccid_needs_whole_bytes() {
        assertThrows(IllegalArgumentException.class, () -> Iccid.fromEfIccid("986"));
    }

    @Test
    void imsi_explicit_mnc_length() {
        Imsi i = new Imsi("405854123456789", 3); // India 405-854
        assertEquals("854", i.mnc());
        assertThrows(IllegalArgumentException.class, () -> new Imsi("460001234567890", 4));
    }
}
