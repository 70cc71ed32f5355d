package io.vinbind.can.slcan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class SlcanCodecTest {

    private static String encode(CanFrame f) {
        return new String(SlcanCodec.encode(f), StandardCharsets.US_ASCII);
    }

    private static List<SlcanMessage> feed(SlcanCodec codec, String text) {
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        return codec.feed(b, b.length);
    }

    @Test
    void encodes_standard_extended_and_remote_frames() {
        assertEquals("t7E840322F190\r",                 // t, id 7E8, DLC 4, data 03 22 F1 90, CR
                encode(CanFrame.ofUnsigned(CanId.standard(0x7E8), 0x03, 0x22, 0xF1, 0x90)));
        assertEquals("T18DAF1102300A\r",                // T, id 18DAF110, DLC 2, data 30 0A
                encode(CanFrame.ofUnsigned(CanId.extended(0x18DAF110), 0x30, 0x0A)));
        assertEquals("t0010\r", encode(CanFrame.of(CanId.standard(0x001))));    // DLC 0
        assertEquals("r7DF8\r", encode(CanFrame.remote(CanId.standard(0x7DF), 8)));
        assertEquals("R18DB33F13\r", encode(CanFrame.remote(CanId.extended(0x18DB33F1), 3)));
    }

    @Test
    void decodes_frames_with_and_without_timestamp() {
        SlcanMessage.Frame plain = assertInstanceOf(SlcanMessage.Frame.class, SlcanCodec.decode("t7E840322F190"));
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x7E8), 0x03, 0x22, 0xF1, 0x90), plain.frame());
        assertEquals(OptionalInt.empty(), plain.timestamp());

        SlcanMessage.Frame stamped = assertInstanceOf(SlcanMessage.Frame.class,
                SlcanCodec.decode("t7E820322" + "1A2B"));  // 2 data bytes, then timestamp 0x1A2B ms
        assertEquals(CanFrame.ofUnsigned(CanId.standard(0x7E8), 0x03, 0x22), stamped.frame());
        assertEquals(OptionalInt.of(0x1A2B), stamped.timestamp());

        SlcanMessage.Frame ext = assertInstanceOf(SlcanMessage.Frame.class, SlcanCodec.decode("T18DAF1101ab"));
        assertEquals(CanFrame.ofUnsigned(CanId.extended(0x18DAF110), 0xAB), ext.frame());

        SlcanMessage.Frame remote = assertInstanceOf(SlcanMessage.Frame.class, SlcanCodec.decode("r1232FFFF"));
        assertEquals(CanFrame.remote(CanId.standard(0x123), 2), remote.frame());
        assertEquals(OptionalInt.of(0xFFFF), remote.timestamp());
    }

    @Test
    void reports_why_a_line_is_garbage() {
        assertTrue(reason("t7E").contains("too short"));
        assertTrue(reason("t7E89").contains("DLC '9'"));
        assertTrue(reason("tXYZ0").contains("identifier"));
        assertTrue(reason("t80010").contains("out of range"));
        assertTrue(reason("t7E82112").contains("does not match DLC 2"));
        assertTrue(reason("t7E81GG").contains("data byte 0"));
        assertTrue(reason("q123").contains("unknown"));
        assertTrue(reason("T2000000010").contains("out of range"));
    }

    private static String reason(String line) {
        return assertInstanceOf(SlcanMessage.Garbage.class, SlcanCodec.decode(line)).reason();
    }

    @Test
    void classifies_acks_errors_and_other_replies() {
        SlcanCodec codec = new SlcanCodec();
        List<SlcanMessage> m = feed(codec, "\r" + "z\r" + "Z\r" + "\u0007" + "V1013\r" + "S6\r" + "O\r");
        assertInstanceOf(SlcanMessage.Ack.class, m.get(0));   // bare CR: OK
        assertInstanceOf(SlcanMessage.Ack.class, m.get(1));   // z: standard frame sent
        assertInstanceOf(SlcanMessage.Ack.class, m.get(2));   // Z: extended frame sent
        assertInstanceOf(SlcanMessage.Error.class, m.get(3)); // BEL
        assertEquals("V1013", assertInstanceOf(SlcanMessage.Other.class, m.get(4)).line());
        assertEquals("S6", assertInstanceOf(SlcanMessage.Other.class, m.get(5)).line());
        assertEquals("O", assertInstanceOf(SlcanMessage.Other.class, m.get(6)).line());
        assertEquals(7, m.size());
    }

    @Test
    void keeps_a_line_split_across_reads_and_tolerates_crlf() {
        SlcanCodec codec = new SlcanCodec();
        assertTrue(feed(codec, "t7E8403").isEmpty());
        List<SlcanMessage> m = feed(codec, "22F190\r\nt1230\r");
        assertEquals(2, m.size());
        assertEquals("7E8#0322F190", assertInstanceOf(SlcanMessage.Frame.class, m.get(0)).frame().toString());
        assertEquals("123#", assertInstanceOf(SlcanMessage.Frame.class, m.get(1)).frame().toString());
    }

    @Test
    void drops_an_overlong_line_once_and_resynchronises_at_the_next_cr() {
        SlcanCodec codec = new SlcanCodec();
        List<SlcanMessage> m = feed(codec, "x".repeat(100) + "\rt1231AA\r");
        assertEquals(2, m.size());
        assertTrue(assertInstanceOf(SlcanMessage.Garbage.class, m.get(0)).reason().contains("longer than"));
        assertEquals("123#AA", assertInstanceOf(SlcanMessage.Frame.class, m.get(1)).frame().toString());
    }

    @Test
    void round_trips_every_dlc_and_both_formats() {
        for (int dlc = 0; dlc <= 8; dlc++) {
            byte[] data = new byte[dlc];
            for (int i = 0; i < dlc; i++) {
                data[i] = (byte) (0xF0 + i);
            }
            for (CanId id : new CanId[] {CanId.standard(0x7FF), CanId.extended(0x1FFFFFFF)}) {
                CanFrame f = CanFrame.of(id, data);
                String line = encode(f);
                assertEquals(f, assertInstanceOf(SlcanMessage.Frame.class,
                        SlcanCodec.decode(line.substring(0, line.length() - 1))).frame());
            }
        }
    }
}
