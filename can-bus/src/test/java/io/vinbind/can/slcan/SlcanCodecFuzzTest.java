package io.vinbind.can.slcan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets of the SLCAN text codec (Jazzer, coverage-guided; docs/bench.md "fuzzing"). Corpus:
 * {@code src/test/resources/io/vinbind/can/slcan/SlcanCodecFuzzTestInputs/<method>/}.
 *
 * <p>What an adapter (or line noise on its serial port) sends is arbitrary bytes; the codec must turn them
 * into valid frames or typed tokens ({@link SlcanMessage.Garbage} with a reason) and never throw, whatever
 * pieces the serial port delivers them in; every text it hands on to be logged is printable ASCII; and a
 * frame it decodes re-encodes to a line that decodes to the same frame.
 */
class SlcanCodecFuzzTest {

    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void any_byte_stream_yields_frames_or_typed_tokens(byte[] stream) {
        List<SlcanMessage> whole = new SlcanCodec().feed(stream, stream.length);
        assertEquals(whole, feedInPieces(stream, 1), "byte-by-byte feeding decodes differently");
        assertEquals(whole, feedInPieces(stream, 0), "feeding in uneven reads decodes differently");

        long terminators = terminators(stream);
        assertTrue(whole.size() <= terminators + stream.length / (SlcanCodec.MAX_LINE + 1),
            () -> whole.size() + " tokens from " + terminators + " terminators");
        for (SlcanMessage m : whole) {
            if (m instanceof SlcanMessage.Frame f) {
                roundTrip(f.frame());
                f.timestamp().ifPresent(ts -> assertTrue(ts >= 0 && ts <= 0xFFFF, "timestamp " + ts));
            } else if (m instanceof SlcanMessage.Garbage g) {
                assertPrintable(g.line(), g);
                assertPrintable(g.reason(), g);
                assertTrue(!g.reason().isEmpty(), "garbage without a reason");
            } else if (m instanceof SlcanMessage.Other o) {
                assertPrintable(o.line(), o);
                // at most MAX_LINE bytes, each written as at most 4 characters (\xHH)
                assertTrue(o.line().length() <= 4 * SlcanCodec.MAX_LINE, () -> "over-long line " + o);
            } else if (m instanceof SlcanMessage.Ack a) {
                assertTrue(a.line().isEmpty() || a.line().equals("z") || a.line().equals("Z"), () -> "ack " + a);
            }
        }
    }

    /**
     * Input layout: byte 0 flags (bit 0 29-bit, bit 1 remote, bit 2 with timestamp), bytes 1-4 the
     * identifier (big endian, reduced into range), byte 5 the DLC (mod 9), bytes 6-7 the timestamp, then
     * the data bytes (as many as the DLC asks, zero when the input is short).
     */
    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void every_frame_survives_encoding_and_decoding(byte[] input) {
        byte[] in = Arrays.copyOf(input, Math.max(input.length, 8 + 8));
        boolean extended = (in[0] & 1) != 0;
        boolean remote = (in[0] & 2) != 0;
        boolean stamped = (in[0] & 4) != 0;
        int rawId = (in[1] & 0xFF) << 24 | (in[2] & 0xFF) << 16 | (in[3] & 0xFF) << 8 | (in[4] & 0xFF);
        CanId id = new CanId(Integer.remainderUnsigned(rawId, (extended ? CanId.MAX_EXTENDED : CanId.MAX_STANDARD) + 1),
            extended);
        int dlc = (in[5] & 0xFF) % (CanFrame.MAX_DATA_LENGTH + 1);
        int timestamp = (in[6] & 0xFF) << 8 | (in[7] & 0xFF);
        CanFrame frame = remote ? CanFrame.remote(id, dlc) : CanFrame.of(id, Arrays.copyOfRange(in, 8, 8 + dlc));

        byte[] line = SlcanCodec.encode(frame);
        assertTrue(line.length <= SlcanCodec.MAX_LINE, "encoded line longer than the decoder accepts");
        assertEquals(SlcanCodec.CR, line[line.length - 1], "encoded line does not end with CR");
        String text = new String(line, 0, line.length - 1, StandardCharsets.US_ASCII);
        String sent = stamped ? text + String.format("%04X", timestamp) : text;
        byte[] bytes = (sent + "\r").getBytes(StandardCharsets.US_ASCII);
        List<SlcanMessage> decoded = new SlcanCodec().feed(bytes, bytes.length);
        assertEquals(List.of(new SlcanMessage.Frame(frame, stamped ? OptionalInt.of(timestamp) : OptionalInt.empty())),
            decoded, () -> "line " + sent);
    }

    private static long terminators(byte[] stream) {
        long n = 0;
        for (byte b : stream) {
            if (b == SlcanCodec.CR || b == SlcanCodec.BEL) {
                n++;
            }
        }
        return n;
    }

    private static void roundTrip(CanFrame frame) {
        byte[] line = SlcanCodec.encode(frame);
        List<SlcanMessage> again = new SlcanCodec().feed(line, line.length);
        assertEquals(List.of(new SlcanMessage.Frame(frame, OptionalInt.empty())), again,
            () -> "re-encoded " + frame + " as " + new String(line, StandardCharsets.US_ASCII).strip());
    }

    /** Feeds {@code stream} in reads of {@code size} bytes, or of uneven sizes taken from the stream when 0. */
    private static List<SlcanMessage> feedInPieces(byte[] stream, int size) {
        SlcanCodec codec = new SlcanCodec();
        List<SlcanMessage> out = new ArrayList<>();
        int off = 0;
        while (off < stream.length) {
            int n = size > 0 ? size : 1 + (stream[off] & 0x1F);
            byte[] read = Arrays.copyOfRange(stream, off, Math.min(stream.length, off + n));
            out.addAll(codec.feed(read, read.length));
            off += read.length;
        }
        return out;
    }

    private static void assertPrintable(String text, SlcanMessage m) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            assertTrue(c >= 0x20 && c <= 0x7e,
                () -> String.format("%s hands on text with character U+%04X to be logged", m.getClass().getSimpleName(), (int) c));
        }
    }
}
