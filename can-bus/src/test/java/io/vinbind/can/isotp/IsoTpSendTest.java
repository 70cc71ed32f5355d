package io.vinbind.can.isotp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sending side of ISO 15765-2, along python-can-isotp's test categories. */
class IsoTpSendTest {

    private final FramePeer t = new FramePeer("isotp-tx");

    @AfterEach
    void close() {
        t.close();
    }

    private static byte[] seq(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    private Future<Boolean> send(IsoTpConfig config, byte[] payload) throws Exception {
        IsoTpChannel dut = t.dut(config);
        return t.async(() -> {
            dut.send(payload);
            return true;
        });
    }

    private static IsoTpException failure(Future<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        return assertInstanceOf(IsoTpException.class, e.getCause());
    }

    @Test
    void sends_a_short_message_as_a_padded_single_frame() throws Exception {
        Future<Boolean> tx = send(FramePeer.config(), new byte[] {0x22, (byte) 0xF1, (byte) 0x90});
        t.expect(0x03,                    // SF, length 3
                 0x22, 0xF1, 0x90,        // ReadDataByIdentifier F190
                 0xCC, 0xCC, 0xCC, 0xCC); // padding 0xCC to 8 bytes
        assertTrue(tx.get(5, TimeUnit.SECONDS));
    }

    @Test
    void sends_unpadded_frames_when_padding_is_off_and_any_fill_byte_when_set() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), new byte[] {0x3E, 0x00});
        t.expect(0x02, 0x3E, 0x00);       // SF, length 2, DLC 3
        tx.get(5, TimeUnit.SECONDS);
        IsoTpChannel padded55 = t.dut(FramePeer.config().withPadding(0x55));
        padded55.send(new byte[] {0x3E, 0x00});
        t.expect(0x02, 0x3E, 0x00, 0x55, 0x55, 0x55, 0x55, 0x55);
    }

    @Test
    void sends_first_frame_then_consecutive_frames_after_clear_to_send() throws Exception {
        Future<Boolean> tx = send(FramePeer.config(), seq(17));
        t.expect(0x10, 0x11,                         // FF, length 17
                 0x00, 0x01, 0x02, 0x03, 0x04, 0x05);
        t.send(0x30, 0x00, 0x00);                    // FC: CTS, BS 0, STmin 0
        t.expect(0x21,                               // CF, SN 1
                 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C);
        t.expect(0x22,                               // CF, SN 2, last: 4 bytes
                 0x0D, 0x0E, 0x0F, 0x10,
                 0xCC, 0xCC, 0xCC);                  // padding
        assertTrue(tx.get(5, TimeUnit.SECONDS));
    }

    @Test
    void first_frame_is_never_padded_and_a_7_byte_message_still_fits_a_single_frame() throws Exception {
        IsoTpChannel dut = t.dut(FramePeer.config());
        dut.send(seq(7));
        t.expect(0x07, 0, 1, 2, 3, 4, 5, 6);         // SF, length 7: full frame, no padding needed
        Future<Boolean> tx = send(FramePeer.config(), seq(8));
        t.expect(0x10, 0x08, 0, 1, 2, 3, 4, 5);      // 8 bytes need FF
        t.send(0x30, 0x00, 0x00);
        t.expect(0x21, 6, 7, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC);
        tx.get(5, TimeUnit.SECONDS);
    }

    @Test
    void honours_block_size_by_waiting_for_a_flow_control_after_each_block() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), seq(27));
        t.expect(0x10, 0x1B, 0, 1, 2, 3, 4, 5);      // FF, length 27
        t.send(0x30, 0x02, 0x00);                    // FC: CTS, BS 2
        t.expect(0x21, 6, 7, 8, 9, 10, 11, 12);
        t.expect(0x22, 13, 14, 15, 16, 17, 18, 19);
        t.expectSilence(Duration.ofMillis(50));      // block done: sender waits
        t.send(0x30, 0x01, 0x00);                    // FC: CTS, BS 1 this time
        t.expect(0x23, 20, 21, 22, 23, 24, 25, 26);
        assertTrue(tx.get(5, TimeUnit.SECONDS));
    }

    @Test
    void waits_through_wait_flow_controls_up_to_the_limit() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding().withMaxWaitFrames(2), seq(10));
        t.expect(0x10, 0x0A, 0, 1, 2, 3, 4, 5);
        t.send(0x31, 0x00, 0x00);                    // FC: WAIT
        t.send(0x31, 0x00, 0x00);                    // FC: WAIT (2 = limit, still accepted)
        t.expectSilence(Duration.ofMillis(30));
        t.send(0x30, 0x00, 0x00);                    // FC: CTS
        t.expect(0x21, 6, 7, 8, 9);
        assertTrue(tx.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aborts_after_more_wait_flow_controls_than_accepted() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding().withMaxWaitFrames(2), seq(10));
        t.expect(0x10, 0x0A, 0, 1, 2, 3, 4, 5);
        t.send(0x31, 0x00, 0x00);                    // WAIT 1
        t.send(0x31, 0x00, 0x00);                    // WAIT 2
        t.send(0x31, 0x00, 0x00);                    // WAIT 3: one too many
        assertEquals(IsoTpException.Reason.WAIT_LIMIT_EXCEEDED, failure(tx).reason());
        t.expectSilence(Duration.ofMillis(30));
    }

    @Test
    void wait_is_refused_at_once_when_the_limit_is_zero() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding().withMaxWaitFrames(0), seq(10));
        t.expect(0x10, 0x0A, 0, 1, 2, 3, 4, 5);
        t.send(0x31, 0x00, 0x00);                    // WAIT
        assertEquals(IsoTpException.Reason.WAIT_LIMIT_EXCEEDED, failure(tx).reason());
    }

    @Test
    void aborts_when_the_receiver_answers_overflow() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), seq(4095));
        t.expect(0x1F, 0xFF, 0, 1, 2, 3, 4, 5);      // FF, length 4095
        t.send(0x32, 0x00, 0x00);                    // FC: overflow
        IsoTpException e = failure(tx);
        assertEquals(IsoTpException.Reason.PEER_OVERFLOW, e.reason());
        assertTrue(e.getMessage().contains("4095"), e.getMessage());
    }

    @Test
    void aborts_on_a_reserved_flow_status() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), seq(10));
        t.expect(0x10, 0x0A, 0, 1, 2, 3, 4, 5);
        t.send(0x35, 0x00, 0x00);                    // FC with flow status 5: reserved
        assertEquals(IsoTpException.Reason.INVALID_FLOW_STATUS, failure(tx).reason());
    }

    @Test
    void times_out_when_no_flow_control_arrives() throws Exception {
        Future<Boolean> tx = send(FramePeer.shortTimeouts().withoutPadding(), seq(10));
        t.expect(0x10, 0x0A, 0, 1, 2, 3, 4, 5);      // then nothing: N_Bs = 200 ms
        IsoTpException e = failure(tx);
        assertEquals(IsoTpException.Reason.TIMEOUT_N_BS, e.reason());
        assertTrue(e.getMessage().contains("6 of 10"), e.getMessage());
    }

    @Test
    void ignores_other_frames_while_waiting_for_flow_control() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), seq(10));
        t.expect(0x10, 0x0A, 0, 1, 2, 3, 4, 5);
        t.send(0x02, 0x7E, 0x00);                    // an SF from the peer
        t.send(0x21, 1, 2, 3);                       // a stray CF
        t.send(0x30, 0x00, 0x00);                    // the flow control
        t.expect(0x21, 6, 7, 8, 9);
        assertTrue(tx.get(5, TimeUnit.SECONDS));
    }

    @Test
    void leaves_at_least_stmin_between_consecutive_frames() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), seq(6 + 7 * 4));
        t.expect(0x10, 0x22, 0, 1, 2, 3, 4, 5);      // FF, length 34 -> 4 CFs
        t.send(0x30, 0x00, 0x14);                    // FC: CTS, BS 0, STmin 0x14 = 20 ms
        assertTrue(tx.get(5, TimeUnit.SECONDS));
        // send times of the 4 CFs (index 0 is the FF); lower bounds only, so load cannot make this fail
        for (int i = 2; i <= 4; i++) {
            assertGap(i, Duration.ofMillis(20));
        }
    }

    @Test
    void reads_a_reserved_stmin_as_127_ms() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), seq(6 + 7 * 2));
        t.expect(0x10, 0x14, 0, 1, 2, 3, 4, 5);      // FF, length 20 -> 2 CFs
        t.send(0x30, 0x00, 0x80);                    // FC: STmin 0x80 is reserved
        assertTrue(tx.get(5, TimeUnit.SECONDS));
        assertGap(2, Duration.ofMillis(127));
    }

    @Test
    void accepts_microsecond_stmin_values() throws Exception {
        Future<Boolean> tx = send(FramePeer.config().withoutPadding(), seq(6 + 7 * 3));
        t.expect(0x10, 0x1B, 0, 1, 2, 3, 4, 5);
        t.send(0x30, 0x00, 0xF5);                    // FC: STmin 0xF5 = 500 us
        assertTrue(tx.get(5, TimeUnit.SECONDS));
        assertGap(2, Duration.ofNanos(500_000));
        assertGap(3, Duration.ofNanos(500_000));
    }

    @Test
    void rejects_empty_and_oversized_messages_naming_the_size() throws Exception {
        IsoTpChannel dut = t.dut(FramePeer.config());
        assertThrows(IllegalArgumentException.class, () -> dut.send(new byte[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dut.send(new byte[4096]));
        assertTrue(e.getMessage().contains("4096"), e.getMessage());
        t.expectSilence(Duration.ofMillis(20));
    }

    /** Frame {@code index} (0 = FF) left the DUT at least {@code min} after frame {@code index - 1}. */
    private void assertGap(int index, Duration min) {
        long gap = t.dutSendTimes.get(index) - t.dutSendTimes.get(index - 1);
        assertTrue(gap >= min.toNanos(), "frame " + index + " only " + gap / 1000 + " us after the previous one");
    }
}
