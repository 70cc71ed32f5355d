package io.vinbind.can.isotp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.Hex;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The receiving side of ISO 15765-2, along python-can-isotp's test categories. */
class IsoTpReceiveTest {

    private final FramePeer t = new FramePeer("isotp-rx");

    @AfterEach
    void close() {
        t.close();
    }

    private Future<Optional<byte[]>> receive(IsoTpConfig config) throws Exception {
        IsoTpChannel dut = t.dut(config);
        return t.async(() -> dut.receive(FramePeer.WAIT));
    }

    private static byte[] get(Future<Optional<byte[]>> f) throws Exception {
        return f.get(5, TimeUnit.SECONDS).orElseThrow();
    }

    private static IsoTpException failure(Future<?> f) throws Exception {
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> f.get(5, TimeUnit.SECONDS));
        return assertInstanceOf(IsoTpException.class, e.getCause());
    }

    @Test
    void receives_a_padded_single_frame() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config());
        t.send(0x03,                    // SF, length 3
               0x62, 0xF1, 0x90,        // payload
               0xAA, 0xAA, 0xAA, 0xAA); // sender's padding
        assertEquals("62F190", FramePeer.hex(get(rx)));
    }

    @Test
    void receives_an_unpadded_single_frame() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config());
        t.send(0x02,        // SF, length 2
               0x3E, 0x00); // payload, frame not padded (DLC 3)
        assertEquals("3E00", FramePeer.hex(get(rx)));
    }

    @Test
    void reassembles_a_vin_response_and_sends_flow_control_with_own_padding() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config());
        t.send(0x10, 0x14,                           // FF, length 0x014 = 20
               0x62, 0xF1, 0x90,                     // positive response to 22 F190
               0x4C, 0x53, 0x56);                    // "LSV"
        t.expect(0x30, 0x00, 0x00,                   // FC: continue to send, BS 0, STmin 0
                 0xCC, 0xCC, 0xCC, 0xCC, 0xCC);      // our padding
        t.send(0x21,                                 // CF, SN 1
               0x41, 0x55, 0x32, 0x31, 0x38, 0x30, 0x4E);  // "AU2180N"
        t.send(0x22,                                 // CF, SN 2
               0x32, 0x31, 0x38, 0x33, 0x32, 0x39, 0x34);  // "2183294"
        byte[] msg = get(rx);
        assertEquals("62F190", Hex.of(java.util.Arrays.copyOf(msg, 3)));
        assertEquals("LSVAU2180N2183294", new String(msg, 3, 17, StandardCharsets.US_ASCII));
    }

    @Test
    void ignores_padding_after_the_last_consecutive_frame() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config());
        t.send(0x10, 0x09, 1, 2, 3, 4, 5, 6);             // FF, length 9
        t.expect(0x30, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC);
        t.send(0x21, 7, 8, 9, 0x55, 0x55, 0x55, 0x55);    // CF 1: 3 bytes of data + 0x55 padding
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, get(rx));
    }

    @Test
    void announces_configured_block_size_and_stmin_and_asks_again_after_each_block() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding().withBlockSize(2).withStMin(StMin.ofMillis(5)));
        t.send(0x10, 0x1A, 0, 1, 2, 3, 4, 5);             // FF, length 26
        t.expect(0x30, 0x02, 0x05);                       // FC: CTS, BS 2, STmin 5 ms, unpadded
        t.send(0x21, 6, 7, 8, 9, 10, 11, 12);             // CF 1
        t.send(0x22, 13, 14, 15, 16, 17, 18, 19);         // CF 2: block full
        t.expect(0x30, 0x02, 0x05);                       // FC for the next block
        t.send(0x23, 20, 21, 22, 23, 24, 25);             // CF 3: last, 6 bytes
        byte[] msg = get(rx);
        assertEquals(26, msg.length);
        assertEquals(25, msg[25]);
        t.expectSilence(Duration.ofMillis(30));
    }

    @Test
    void wraps_the_sequence_number_from_15_to_0() throws Exception {
        int length = 6 + 7 * 17;                          // FF + 17 CFs: SN 1..15, 0, 1
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x10, length, 0, 1, 2, 3, 4, 5);           // FF, length 125
        t.expect(0x30, 0x00, 0x00);
        int value = 6;
        for (int i = 1; i <= 17; i++) {
            int sn = i & 0x0F;                            // ..., 0x2F, 0x20, 0x21
            int[] cf = new int[8];
            cf[0] = 0x20 | sn;
            for (int j = 1; j < 8; j++) {
                cf[j] = value++;
            }
            t.send(cf);
        }
        byte[] msg = get(rx);
        assertEquals(length, msg.length);
        for (int i = 0; i < length; i++) {
            assertEquals(i, msg[i] & 0xFF);
        }
    }

    @Test
    void receives_4095_bytes_the_largest_12_bit_length() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x1F, 0xFF,                                // FF, length 0xFFF = 4095
               0, 1, 2, 3, 4, 5);
        t.expect(0x30, 0x00, 0x00);
        int offset = 6;
        int sn = 1;
        while (offset < 4095) {
            int n = Math.min(7, 4095 - offset);
            int[] cf = new int[1 + n];
            cf[0] = 0x20 | sn;
            for (int j = 0; j < n; j++) {
                cf[1 + j] = (offset + j) & 0xFF;
            }
            t.send(cf);
            offset += n;
            sn = (sn + 1) & 0x0F;
        }
        byte[] msg = get(rx);
        assertEquals(4095, msg.length);
        assertEquals(4094 & 0xFF, msg[4094] & 0xFF);
    }

    @Test
    void answers_overflow_to_a_first_frame_longer_than_accepted() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding().withMaxMessageLength(100));
        t.send(0x10, 0x65, 0, 1, 2, 3, 4, 5);             // FF, length 101 > 100
        t.expect(0x32, 0x00, 0x00);                       // FC: overflow
        IsoTpException e = failure(rx);
        assertEquals(IsoTpException.Reason.MESSAGE_TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("101"), e.getMessage());
    }

    @Test
    void answers_overflow_to_a_4096_byte_escape_first_frame() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x10, 0x00,                                // FF with 12-bit length 0: escape
               0x00, 0x00, 0x10, 0x00,                    // 32-bit length 0x00001000 = 4096
               0xAB, 0xCD);                               // first two data bytes
        t.expect(0x32, 0x00, 0x00);                       // FC: overflow
        assertEquals(IsoTpException.Reason.MESSAGE_TOO_LARGE, failure(rx).reason());
    }

    @Test
    void ignores_an_escape_first_frame_announcing_a_length_that_fits_12_bits() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x10, 0x00,                                // FF with 12-bit length 0: escape
               0x00, 0x00, 0x00, 0x00,                    // 32-bit length 0: an empty message
               0xAB, 0xCD);                               // two data bytes
        t.send(0x01, 0x51);                               // SF, length 1
        assertEquals("51", FramePeer.hex(get(rx)));       // the escape FF got no flow control
        t.expectSilence(Duration.ofMillis(30));
    }

    @Test
    void aborts_on_a_wrong_sequence_number() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x10, 0x14, 1, 2, 3, 4, 5, 6);             // FF, length 20
        t.expect(0x30, 0x00, 0x00);
        t.send(0x22, 7, 8, 9, 10, 11, 12, 13);            // CF with SN 2, but 1 was expected
        IsoTpException e = failure(rx);
        assertEquals(IsoTpException.Reason.WRONG_SEQUENCE_NUMBER, e.reason());
        assertTrue(e.getMessage().contains("expected sequence number 1"), e.getMessage());
    }

    @Test
    void times_out_when_no_consecutive_frame_follows_the_first_frame() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.shortTimeouts().withoutPadding());
        t.send(0x10, 0x14, 1, 2, 3, 4, 5, 6);             // FF, length 20
        t.expect(0x30, 0x00, 0x00);
        IsoTpException e = failure(rx);                   // N_Cr = 200 ms passes
        assertEquals(IsoTpException.Reason.TIMEOUT_N_CR, e.reason());
        assertTrue(e.getMessage().contains("6 of 20"), e.getMessage());
    }

    @Test
    void frames_that_do_not_advance_the_reception_do_not_extend_n_cr() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.shortTimeouts().withoutPadding());
        t.send(0x10, 0x14, 1, 2, 3, 4, 5, 6);             // FF, length 20
        t.expect(0x30, 0x00, 0x00);
        for (int i = 0; i < 10 && !rx.isDone(); i++) {    // 1.2 s of chatter, a frame every 120 ms < N_Cr 200 ms
            Thread.sleep(120);
            t.send(0x30, 0x00, 0x00);                     // a flow control: nothing for a receiver
        }
        assertTrue(rx.isDone(), "the chatter held the reception past N_Cr");
        IsoTpException e = failure(rx);
        assertEquals(IsoTpException.Reason.TIMEOUT_N_CR, e.reason());
        assertTrue(e.getMessage().contains("6 of 20"), e.getMessage());
    }

    @Test
    void times_out_when_the_next_block_does_not_come_after_a_later_flow_control() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.shortTimeouts().withoutPadding().withBlockSize(1));
        t.send(0x10, 0x14, 1, 2, 3, 4, 5, 6);             // FF, length 20
        t.expect(0x30, 0x01, 0x00);                       // FC: BS 1
        t.send(0x21, 7, 8, 9, 10, 11, 12, 13);            // CF 1
        t.expect(0x30, 0x01, 0x00);                       // FC for block 2; then the sender goes quiet
        IsoTpException e = failure(rx);
        assertEquals(IsoTpException.Reason.TIMEOUT_N_CR, e.reason());
        assertTrue(e.getMessage().contains("13 of 20"), e.getMessage());
    }

    @Test
    void a_new_single_frame_abandons_the_running_reception() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x10, 0x14, 1, 2, 3, 4, 5, 6);             // FF, length 20
        t.expect(0x30, 0x00, 0x00);
        t.send(0x21, 7, 8, 9, 10, 11, 12, 13);            // CF 1
        t.send(0x03, 0x7F, 0x22, 0x78);                   // SF, length 3, interrupts
        assertEquals("7F2278", FramePeer.hex(get(rx)));
    }

    @Test
    void a_new_first_frame_restarts_the_reception() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x10, 0x14, 1, 2, 3, 4, 5, 6);             // FF, length 20
        t.expect(0x30, 0x00, 0x00);
        t.send(0x10, 0x0A, 0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5); // new FF, length 10
        t.expect(0x30, 0x00, 0x00);                       // flow control for the new message
        t.send(0x21, 0xA6, 0xA7, 0xA8, 0xA9);             // CF 1 of the new message
        assertEquals("A0A1A2A3A4A5A6A7A8A9", FramePeer.hex(get(rx)));
    }

    @Test
    void ignores_stray_consecutive_and_flow_control_frames_while_idle() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config().withoutPadding());
        t.send(0x21, 1, 2, 3, 4, 5, 6, 7);                // CF without a FF
        t.send(0x30, 0x00, 0x00);                         // FC nobody asked for
        t.send(0x00, 0x00);                               // SF with length 0: invalid
        t.send(0x08, 1, 2, 3, 4, 5, 6, 7);                // SF with length 8: invalid on classic CAN
        t.send(0x01, 0x51);                               // SF, length 1
        assertEquals("51", FramePeer.hex(get(rx)));
        t.expectSilence(Duration.ofMillis(30));           // none of the stray frames was answered
    }

    @Test
    void ignores_frames_on_other_identifiers() throws Exception {
        Future<Optional<byte[]>> rx = receive(FramePeer.config());
        t.peer.send(CanFrame.ofUnsigned(CanId.standard(0x7E9), 0x02, 0x11, 0x22));   // other ECU
        t.peer.send(CanFrame.ofUnsigned(CanId.extended(0x7E8), 0x02, 0x33, 0x44));   // same number, 29-bit
        t.send(0x02, 0x55, 0x66);
        assertEquals("5566", FramePeer.hex(get(rx)));
    }

    @Test
    void returns_empty_when_no_message_starts_in_time() throws Exception {
        IsoTpChannel dut = t.dut(FramePeer.config());
        assertTrue(dut.receive(Duration.ofMillis(50)).isEmpty());
    }
}
