package io.vinbind.can.vehicle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PowerModeFrameCodecTest {

    private final PowerModeFrameCodec defaults = new PowerModeFrameCodec(PowerModeLayout.defaults());

    @Test
    void default_layout_puts_the_mode_in_the_low_nibble_of_byte_0_of_3C0() {
        CanFrame on = defaults.encode(PowerMode.ON);
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x3C0),
                0x02,                                    // byte 0, bits 0..3: ON = 2
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 // other signals: zero
        ), on);
        assertEquals("3C0#0200000000000000", on.toString());
    }

    @Test
    void decodes_each_default_value_and_ignores_bits_outside_the_field() {
        assertEquals(PowerMode.OFF, defaults.decode(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0xA0, 0xFF)));   // 0xA_ high nibble is another signal
        assertEquals(PowerMode.ACC, defaults.decode(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0xF1)));
        assertEquals(PowerMode.ON, defaults.decode(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x02, 0, 0, 0, 0, 0, 0, 0)));
        assertEquals(PowerMode.START, defaults.decode(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x33)));
    }

    @Test
    void custom_layout_reads_a_field_in_the_middle_of_another_byte() {
        // OEM layout: 29-bit id 18FEF100, DLC 4, byte 2 bits 5..6, OFF=0 ACC=1 ON=3 START=2
        PowerModeLayout layout = new PowerModeLayout(CanId.extended(0x18FEF100), 4, 2, 5, 2,
                Map.of(PowerMode.OFF, 0, PowerMode.ACC, 1, PowerMode.ON, 3, PowerMode.START, 2));
        PowerModeFrameCodec codec = new PowerModeFrameCodec(layout);
        assertEquals(CanFrame.ofUnsigned(CanId.extended(0x18FEF100),
                0x00, 0x00,
                0x60,  // byte 2 = 0b0110_0000: bits 5..6 = 0b11 = ON
                0x00), codec.encode(PowerMode.ON));
        assertEquals(PowerMode.START, codec.decode(CanFrame.ofUnsigned(CanId.extended(0x18FEF100),
                0xFF, 0xFF,
                0xDF,  // 0b1101_1111: bit 6 = 1, bit 5 = 0 -> field 0b10 = START; other bits belong to other signals
                0xFF)));
    }

    @Test
    void other_frames_are_not_power_mode_and_malformed_ones_are_reported() {
        assertTrue(defaults.tryDecode(CanFrame.ofUnsigned(CanId.standard(0x3C1), 0x02)).isEmpty());
        assertTrue(defaults.tryDecode(CanFrame.ofUnsigned(CanId.extended(0x3C0), 0x02)).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> defaults.decode(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x07)));
        assertTrue(e.getMessage().contains("value 7"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> defaults.decode(CanFrame.of(CanId.standard(0x3C0))));
        assertThrows(IllegalArgumentException.class, () -> defaults.decode(CanFrame.remote(CanId.standard(0x3C0), 8)));
    }

    @Test
    void try_decode_yields_no_mode_for_an_odd_power_mode_frame_instead_of_throwing() {
        assertTrue(defaults.tryDecode(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x07)).isEmpty());   // value 7: no mode
        assertTrue(defaults.tryDecode(CanFrame.of(CanId.standard(0x3C0))).isEmpty());                 // no byte 0
        assertEquals(PowerMode.ACC, defaults.tryDecode(CanFrame.ofUnsigned(CanId.standard(0x3C0), 0x01)).orElseThrow());
    }

    @Test
    void layout_rejects_fields_that_do_not_fit_and_duplicate_values() {
        Map<PowerMode, Integer> v = Map.of(PowerMode.OFF, 0, PowerMode.ACC, 1, PowerMode.ON, 2, PowerMode.START, 3);
        assertThrows(IllegalArgumentException.class, () -> new PowerModeLayout(CanId.standard(1), 8, 0, 6, 4, v));
        assertThrows(IllegalArgumentException.class, () -> new PowerModeLayout(CanId.standard(1), 2, 2, 0, 4, v));
        assertThrows(IllegalArgumentException.class, () -> new PowerModeLayout(CanId.standard(1), 8, 0, 0, 1, v));
        assertThrows(IllegalArgumentException.class, () -> new PowerModeLayout(CanId.standard(1), 8, 0, 0, 4,
                Map.of(PowerMode.OFF, 0, PowerMode.ACC, 0, PowerMode.ON, 2, PowerMode.START, 3)));
        assertThrows(IllegalArgumentException.class, () -> new PowerModeLayout(CanId.standard(1), 8, 0, 0, 4,
                Map.of(PowerMode.OFF, 0, PowerMode.ACC, 1, PowerMode.ON, 2)));
    }

    @Test
    void layout_round_trips_through_properties_and_names_bad_keys() {
        Properties p = new Properties();
        p.setProperty("power.id", "0x18FEF100");
        p.setProperty("power.byte", "3");
        p.setProperty("power.bit", "4");
        p.setProperty("power.values", "OFF:0, ACC:4, ON:5, START:6");
        PowerModeLayout layout = PowerModeLayout.fromProperties(p);
        assertEquals(CanId.extended(0x18FEF100), layout.id());
        assertEquals(3, layout.byteIndex());
        assertEquals(4, layout.bitOffset());
        assertEquals(4, layout.bitLength());
        assertEquals(5, layout.values().get(PowerMode.ON));
        Properties back = new Properties();
        layout.toProperties(back);
        assertEquals(layout, PowerModeLayout.fromProperties(back));

        p.setProperty("power.byte", "eight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PowerModeLayout.fromProperties(p));
        assertTrue(e.getMessage().contains("power.byte"), e.getMessage());
    }

    @Test
    void power_mode_parses_any_case_and_knows_which_modes_are_powered() {
        assertEquals(PowerMode.ACC, PowerMode.parse(" acc "));
        assertThrows(IllegalArgumentException.class, () -> PowerMode.parse("RUN"));
        assertTrue(PowerMode.START.isPowered());
        assertTrue(!PowerMode.OFF.isPowered());
    }
}
