package io.vinbind.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CanIdTest {

    @Test
    void format_is_a_flag_not_a_guess_from_the_value() {
        CanId small = CanId.extended(0x7E8);
        assertTrue(small.extended());
        assertEquals("000007E8", small.toString());
        assertEquals("7E8", CanId.standard(0x7E8).toString());
    }

    @Test
    void rejects_values_out_of_range_for_the_format() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanId.standard(0x800));
        assertTrue(e.getMessage().contains("11-bit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CanId.extended(0x2000_0000));
        assertThrows(IllegalArgumentException.class, () -> CanId.standard(-1));
    }

    @Test
    void parse_takes_the_format_from_the_number_of_digits() {
        assertEquals(CanId.standard(0x7E0), CanId.parse("0x7E0"));
        assertEquals(CanId.standard(0x7E0), CanId.parse("7e0"));
        assertEquals(CanId.extended(0x18DAF110), CanId.parse("0x18DAF110"));
        assertEquals(CanId.extended(0x7E0), CanId.parse("000007E0"));
        assertFalse(CanId.parse("1").extended());
    }

    @Test
    void parse_names_the_bad_text() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanId.parse("0x18DAF1"));
        assertTrue(e.getMessage().contains("0x18DAF1") && e.getMessage().contains("8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CanId.parse("0xZZ"));
        assertThrows(IllegalArgumentException.class, () -> CanId.parse(""));
        assertThrows(IllegalArgumentException.class, () -> CanId.parse("0x900"));
    }
}
