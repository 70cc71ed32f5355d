package io.vinbind.terminal.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StateFileFormatTest {

    static final BoundIdentity BOUND = new BoundIdentity("1M8GDM9AXKP042788", "460001234567890",
            "89860012345678901234", "356938035643809", Instant.parse("2026-11-22T12:01:00Z"));

    @Test
    void encodes_flag_and_bound_identity_as_readable_lines_closed_by_crc() {
        TerminalState s = new TerminalState(
                Optional.of(new VinRequest(FlagReason.MODEM_REPLACED, Instant.parse("2026-11-22T12:05:00Z"))),
                Optional.of(BOUND));
        String text = new String(StateFileFormat.encode(s), StandardCharsets.UTF_8);
        String body = "# vinbind terminal state (written by the terminal daemon; do not edit)\n"
                + "format=1\n" // file format version
                + "flag=set\n" // VIN-request flag
                + "flag.reason=MODEM_REPLACED\n" // why it was set
                + "flag.since=2026-11-22T12:05:00Z\n" // when
                + "bound.vin=1M8GDM9AXKP042788\n" // last bound identity, confirmed by a bind-ack
                + "bound.imsi=460001234567890\n"
                + "bound.iccid=89860012345678901234\n"
                + "bound.imei=356938035643809\n"
                + "bound.at=2026-11-22T12:01:00Z\n";
        assertTrue(text.startsWith(body), text);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        assertEquals(body + String.format("crc32=%08x\n", crc.getValue()), text);
        assertEquals(s, StateFileFormat.decode(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void decodes_a_cleared_flag_written_by_hand_with_its_crc() {
        String body = "format=1\n"
                + "flag=clear\n"; // no flag.* keys and no bound.* keys: cleared, never bound
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        TerminalState s = StateFileFormat.decode(
                (body + String.format("crc32=%08x\n", crc.getValue())).getBytes(StandardCharsets.UTF_8));
        assertFalse(s.flagSet());
        assertTrue(s.lastBound().isEmpty());
    }

    @Test
    void a_single_flipped_byte_fails_the_crc() {
        byte[] good = StateFileFormat.encode(TerminalState.bound(BOUND));
        byte[] bad = good.clone();
        int at = new String(good, StandardCharsets.UTF_8).indexOf("flag=clear") + 5;
        bad[at] = 's'; // "flag=slear"
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateFileFormat.decode(bad));
        assertTrue(e.getMessage().startsWith("crc32 mismatch"), e.getMessage());
    }

    @Test
    void a_truncated_file_has_no_crc_line() {
        byte[] good = StateFileFormat.encode(TerminalState.bound(BOUND));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateFileFormat.decode(cut));
        assertEquals("no crc32 line (file truncated?)", e.getMessage());
    }

    @Test
    void names_the_bad_key_of_a_file_with_valid_crc() {
        String body = "format=1\nflag=set\nflag.reason=BECAUSE\nflag.since=2026-11-22T12:05:00Z\n";
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        byte[] bytes = (body + String.format("crc32=%08x\n", crc.getValue())).getBytes(StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateFileFormat.decode(bytes));
        assertEquals("flag.reason 'BECAUSE' is not a known reason", e.getMessage());
    }

    @Test
    void refuses_a_future_format_version() {
        String body = "format=2\nflag=clear\n";
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        byte[] bytes = (body + String.format("crc32=%08x\n", crc.getValue())).getBytes(StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateFileFormat.decode(bytes));
        assertEquals("format 2 is not supported (expected 1)", e.getMessage());
    }
}
