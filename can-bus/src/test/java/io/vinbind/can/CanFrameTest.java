package io.vinbind.can;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CanFrameTest {

    @Test
    void prints_standard_frame_like_candump() {
        CanFrame f = CanFrame.ofUnsigned(CanId.standard(0x7E8), 0x03, 0x22, 0xF1, 0x90);
        assertEquals("7E8#0322F190", f.toString());
    }

    @Test
    void prints_extended_frame_with_eight_id_digits_and_remote_frames_with_dlc() {
        assertEquals("18DAF110#3000", CanFrame.ofUnsigned(CanId.extended(0x18DAF110), 0x30, 0x00).toString());
        assertEquals("7DF#R3", CanFrame.remote(CanId.standard(0x7DF), 3).toString());
        assertEquals("123#", CanFrame.of(CanId.standard(0x123)).toString());
    }

    @Test
    void copies_data_in_and_out() {
        byte[] data = {1, 2, 3};
        CanFrame f = CanFrame.of(CanId.standard(0x100), data);
        data[0] = 99;
        assertEquals(1, f.byteAt(0));
        f.data()[1] = 99;
        assertArrayEquals(new byte[] {1, 2, 3}, f.data());
    }

    @Test
    void rejects_more_than_eight_bytes_and_dlc_mismatch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CanFrame.of(CanId.standard(0x100), new byte[9]));
        assertTrue(e.getMessage().contains("DLC 9"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CanFrame(CanId.standard(1), false, 3, new byte[2]));
    }

    @Test
    void remote_frame_has_dlc_but_no_data() {
        CanFrame r = CanFrame.remote(CanId.standard(0x7DF), 8);
        assertTrue(r.remote());
        assertEquals(8, r.dlc());
        assertEquals(0, r.length());
        assertThrows(IllegalArgumentException.class, () -> new CanFrame(CanId.standard(1), true, 1, new byte[1]));
    }

    @Test
    void equality_compares_data_and_identifier_format() {
        CanFrame a = CanFrame.ofUnsigned(CanId.standard(0x7E8), 1, 2);
        assertEquals(a, CanFrame.ofUnsigned(CanId.standard(0x7E8), 1, 2));
        assertEquals(a.hashCode(), CanFrame.ofUnsigned(CanId.standard(0x7E8), 1, 2).hashCode());
        assertNotEquals(a, CanFrame.ofUnsigned(CanId.extended(0x7E8), 1, 2));
        assertNotEquals(a, CanFrame.ofUnsigned(CanId.standard(0x7E8), 1, 3));
        assertFalse(a.remote());
    }

    @Test
    void unsigned_factory_rejects_values_outside_a_byte() {
        assertThrows(IllegalArgumentException.class, () -> CanFrame.ofUnsigned(CanId.standard(1), 256));
    }

    @Test
    void parses_the_candump_form_it_prints() {
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x7E0), 0x03, 0x22, 0xF1, 0x90), CanFrame.parse("7E0#0322F190"));
        assertEquals(CanFrame.ofUnsigned(CanId.extended(0x18DA40F1), 0x02, 0x3E, 0x00), CanFrame.parse("18DA40F1#023E00"));
        assertEquals(CanFrame.remote(CanId.standard(0x7DF), 2), CanFrame.parse("7DF#R2"));
        assertEquals(CanFrame.of(CanId.standard(0x123)), CanFrame.parse("123#"));
        CanFrame f = CanFrame.ofUnsigned(CanId.standard(0x3C0), 1, 2, 3);
        assertEquals(f, CanFrame.parse(f.toString()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanFrame.parse("7E0#0322F"));
        assertTrue(e.getMessage().contains("7E0#0322F"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CanFrame.parse("7E0"));
        assertThrows(IllegalArgumentException.class, () -> CanFrame.parse("7E0#000102030405060708"));
    }
}
