package io.vinbind.can.isotp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class IsoTpFrameTest {

    private static final CanId ID = CanId.standard(0x7E8);

    private static IsoTpFrame decode(int... bytes) {
        return IsoTpFrame.decode(CanFrame.ofUnsigned(ID, bytes));
    }

    @Test
    void decodes_single_frame_length_from_the_low_nibble_and_ignores_padding() {
        IsoTpFrame.Single sf = assertInstanceOf(IsoTpFrame.Single.class,
                decode(0x03,                      // SF, length 3
                       0x22, 0xF1, 0x90,          // payload
                       0xCC, 0xCC, 0xCC, 0xCC));  // padding
        assertArrayEquals(new byte[] {0x22, (byte) 0xF1, (byte) 0x90}, sf.payload());
    }

    @Test
    void decodes_first_frame_12_bit_length_and_32_bit_escape() {
        IsoTpFrame.First ff = assertInstanceOf(IsoTpFrame.First.class,
                decode(0x10, 0x14,                // FF, length 0x014 = 20
                       0x62, 0xF1, 0x90, 0x4C, 0x53, 0x56));
        assertEquals(20, ff.length());
        assertEquals(6, ff.data().length);
        IsoTpFrame.First escaped = assertInstanceOf(IsoTpFrame.First.class,
                decode(0x10, 0x00,                // FF, 12-bit length 0: escape
                       0x00, 0x01, 0x00, 0x00,    // 32-bit length 0x00010000 = 65536
                       0xAA, 0xBB));              // two data bytes
        assertEquals(65536, escaped.length());
        assertArrayEquals(new byte[] {(byte) 0xAA, (byte) 0xBB}, escaped.data());
    }

    @Test
    void decodes_consecutive_frame_sequence_number_and_flow_control_fields() {
        IsoTpFrame.Consecutive cf = assertInstanceOf(IsoTpFrame.Consecutive.class,
                decode(0x2F, 1, 2, 3));           // CF, SN 15
        assertEquals(15, cf.sequenceNumber());
        IsoTpFrame.FlowControl fc = assertInstanceOf(IsoTpFrame.FlowControl.class,
                decode(0x31,                      // FC, flow status 1 = WAIT
                       0x08,                      // BS 8
                       0xF3,                      // STmin 300 us
                       0xCC, 0xCC));
        assertEquals(FlowStatus.WAIT.code(), fc.status());
        assertEquals(8, fc.blockSize());
        assertEquals(0xF3, fc.stMinRaw());
    }

    @Test
    void reports_why_a_frame_is_invalid() {
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class, decode(0x00, 0x01)).reason().contains("length 0"));
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class, decode(0x05, 0x01, 0x02)).reason().contains("carries 2"));
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class, decode(0x10, 0x14, 1, 2)).reason().contains("shorter than 8"));
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class, decode(0x10, 0x05, 1, 2, 3, 4, 5, 6)).reason().contains("single frame"));
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class,
                decode(0x10, 0x00,                // FF, 12-bit length 0: escape
                       0x00, 0x00, 0x00, 0x00,    // 32-bit length 0: no message at all
                       0xAA, 0xBB)).reason().contains("escape for 0 bytes"));
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class,
                decode(0x10, 0x00,                // FF, 12-bit length 0: escape
                       0x00, 0x00, 0x0F, 0xFF,    // 32-bit length 4095: fits the 12-bit field, escape not allowed
                       0xAA, 0xBB)).reason().contains("escape for 4095 bytes"));
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class, decode(0x30, 0x00)).reason().contains("shorter than 3"));
        assertTrue(assertInstanceOf(IsoTpFrame.Invalid.class, decode(0x40, 0x00)).reason().contains("PCI type 4"));
        assertInstanceOf(IsoTpFrame.Invalid.class, decode());
    }

    @Test
    void encodes_flow_control_with_and_without_padding() {
        assertEquals(CanFrame.ofUnsigned(ID, 0x30, 0x00, 0xF9),
                IsoTpFrame.flowControl(ID, FlowStatus.CONTINUE_TO_SEND, 0, new StMin(0xF9), OptionalInt.empty()));
        assertEquals(CanFrame.ofUnsigned(ID, 0x32, 0x00, 0x00, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA),
                IsoTpFrame.flowControl(ID, FlowStatus.OVERFLOW, 0, StMin.ZERO, OptionalInt.of(0xAA)));
    }
}
