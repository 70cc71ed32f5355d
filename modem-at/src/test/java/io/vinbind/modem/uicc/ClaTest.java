package io.vinbind.modem.uicc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The channel bits of CLA (ETSI TS 102 221 §10.1.1). */
class ClaTest {

    @Test
    void first_coding_carries_channels_0_to_3_in_bits_1_and_2() {
        assertEquals(0x81, Cla.withChannel(0x80, 1)); // GlobalPlatform class on channel 1 (ES10 STORE DATA)
        assertEquals(0x83, Cla.withChannel(0x81, 3));
        assertEquals(0x01, Cla.withChannel(0x00, 1)); // inter-industry (SELECT, MANAGE CHANNEL)
        assertEquals(0x0D, Cla.withChannel(0x0C, 1)); // secure messaging bits kept
        assertEquals(0x91, Cla.withChannel(0x90, 1)); // command chaining bit kept
        assertEquals(2, Cla.channelOf(0x82));
    }

    @Test
    void further_coding_carries_channels_4_to_19() {
        assertEquals(0xC0, Cla.withChannel(0x80, 4));  // 4 + 0
        assertEquals(0xCF, Cla.withChannel(0x81, 19)); // 4 + 15
        assertEquals(0x45, Cla.withChannel(0x00, 9));
        assertEquals(0x81, Cla.withChannel(0xC3, 1));  // back to the first coding
        assertEquals(19, Cla.channelOf(0xCF));
        assertEquals(4, Cla.channelOf(0x40));
    }

    @Test
    void classes_without_channels_are_refused() {
        assertFalse(Cla.carriesChannel(0xFF)); // invalid class
        assertFalse(Cla.carriesChannel(0xA0)); // GSM (TS 51.011) class
        assertTrue(Cla.carriesChannel(0x80));
        assertThrows(IllegalArgumentException.class, () -> Cla.withChannel(0xA0, 1));
        assertThrows(IllegalArgumentException.class, () -> Cla.withChannel(0x80, 20));
    }
}
