package io.vinbind.can.isotp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vinbind.can.CanChannel;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.Hex;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets of the ISO-TP receiver (Jazzer, coverage-guided; docs/bench.md "fuzzing"). Corpus:
 * {@code src/test/resources/io/vinbind/can/isotp/IsoTpReceiveFuzzTestInputs/<method>/}.
 *
 * <p>The receiver is fed an arbitrary sequence of frames on its identifier, each arriving after an
 * arbitrary pause, on a bus that runs in virtual time (the channel advances the receiver's clock instead of
 * waiting), so seconds of bus time cost microseconds. It must return messages of 1 to
 * {@link IsoTpConfig#maxMessageLength()} (at most 4095, ISO 15765-2 classic addressing) bytes, nothing, or an
 * {@link IsoTpException}: never another exception; never hang — a call ends by its timeout or N_Cr after
 * the last frame that could advance the reception (SF, FF or CF), whatever else keeps arriving; answer a
 * first frame it will not take with flow status overflow; send only well-formed flow controls; and not
 * allocate more than a bounded amount per frame, so no announced length (a 32-bit FF_DL escape says up to
 * 4 GiB) turns into a buffer.
 */
class IsoTpReceiveFuzzTest {

    private static final CanId TX = CanId.standard(0x7E0);
    private static final CanId RX = CanId.standard(0x7E8);
    private static final Duration N_CR = IsoTpConfig.DEFAULT_TIMEOUT;
    private static final Duration RECEIVE_TIMEOUT = Duration.ofMillis(1000);
    /** Pause before a frame (ms), picked by the high nibble of its control byte: around N_Cr on purpose. */
    private static final int[] PAUSE_MS = {0, 0, 0, 1, 5, 20, 100, 300, 600, 900, 990, 999, 1000, 1001, 1500, 4000};
    /** Buffers, frames and the log line of one frame, with room to spare; a 4095-byte message fits many times. */
    private static final long ALLOCATION_PER_FRAME = 256 * 1024;
    private static final long ALLOCATION_PER_CALL = 1024 * 1024;
    private static final com.sun.management.ThreadMXBean THREADS = threads();

    /**
     * Input layout: byte 0 the receiver's configuration (bits 0-2 block size 0..7, bit 3 no padding, bits
     * 4-5 max message length 4095 / 512 / 64 / 8); then frames, each a control byte (low nibble: DLC 0..8,
     * 9 a remote frame, 10..15 DLC 8; high nibble: the pause before it, {@link #PAUSE_MS}) and its data bytes.
     */
    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void any_frame_sequence_yields_messages_or_typed_failures(byte[] input) throws CanException {
        if (input.length == 0) {
            return;
        }
        IsoTpConfig config = config(input[0]);
        // twice: the first run pays for classes loaded and the log set up on first use, the second is measured
        // and must come out the same
        List<String> first = receiveAll(input, config, false);
        assertEquals(first, receiveAll(input, config, true), "the same frames were received differently");
    }

    /**
     * A message segmented by {@link IsoTpChannel#send} and received by another channel arrives whole, also
     * with frames of no use to the receiver mixed in. Input layout: byte 0 the receiver's configuration (as
     * above), byte 1 the block size of the sender's peer, bytes 2-3 the message length (mod 4095, plus 1),
     * then the message bytes (repeated to the length), and noise frames inserted after every
     * {@code byte 4 & 7}-th frame when that is not 0.
     */
    @FuzzTest(maxDuration = "30s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a_segmented_message_is_reassembled_whole(byte[] input) throws CanException {
        byte[] in = Arrays.copyOf(input, Math.max(input.length, 6));
        IsoTpConfig receiverConfig = config(in[0]).withMaxMessageLength(IsoTpConfig.MAX_CLASSIC_LENGTH);
        int peerBlockSize = in[1] & 0xFF;
        int length = 1 + (((in[2] & 0xFF) << 8 | (in[3] & 0xFF)) % IsoTpConfig.MAX_CLASSIC_LENGTH);
        int noiseEvery = in[4] & 7;
        byte[] message = new byte[length];
        int pattern = Math.max(1, in.length - 5);
        for (int i = 0; i < length; i++) {
            message[i] = in.length > 5 ? in[5 + i % pattern] : (byte) i;
        }

        SenderSide sender = new SenderSide(peerBlockSize);
        new IsoTpChannel(sender, IsoTpConfig.of(RX, TX), System::nanoTime).send(message);
        VirtualTimeBus bus = new VirtualTimeBus();
        int n = 0;
        for (CanFrame f : sender.sent) {
            bus.add(0, f);
            if (noiseEvery > 0 && ++n % noiseEvery == 0) {
                bus.add(0, CanFrame.ofUnsigned(RX, 0x30, 0x00, 0x00)); // a flow control: not the receiver's business
            }
        }
        IsoTpChannel receiver = new IsoTpChannel(bus, receiverConfig, bus::now);
        Optional<byte[]> got = receiver.receive(RECEIVE_TIMEOUT);
        assertTrue(got.isPresent(), () -> "a " + length + "-byte message was not received");
        assertArrayEquals(message, got.get(), () -> "a " + length + "-byte message arrived changed");
    }

    /** Receives until the script is done; returns what each call gave, for comparison. */
    private static List<String> receiveAll(byte[] input, IsoTpConfig config, boolean measure) throws CanException {
        VirtualTimeBus bus = new VirtualTimeBus();
        bus.script(input, 1);
        IsoTpChannel channel = new IsoTpChannel(bus, config, bus::now);
        List<String> outcomes = new ArrayList<>();
        int calls = 0;
        int bound = 4 * bus.remaining() + 4;
        while (bus.remaining() > 0) {
            assertTrue(++calls <= bound, "receive made no progress through the frames");
            long start = bus.now();
            int sentBefore = bus.sent.size();
            bus.startCall(RECEIVE_TIMEOUT);
            long allocatedBefore = allocated();
            Optional<byte[]> message;
            IsoTpException failure = null;
            try {
                message = channel.receive(RECEIVE_TIMEOUT);
            } catch (IsoTpException e) {
                message = Optional.empty();
                failure = e;
            }
            long allocation = allocated() - allocatedBefore;
            long end = bus.now();

            long overrun = bus.overrunInCall();
            assertTrue(overrun <= 0, () -> String.format(
                "receive waited %.3f s beyond its bounds (its timeout, then N_Cr %d ms from the last SF/FF/CF) while"
                    + " other frames kept arriving; the call took %.3f s of bus time; frames of the call: %s",
                overrun / 1e9, N_CR.toMillis(), (end - start) / 1e9, bus.deliveredInCall()));
            outcomes.add(failure != null ? failure.reason().name() : message.map(Hex::of).orElse("nothing"));
            if (measure && allocation >= 0) {
                long limit = ALLOCATION_PER_CALL + ALLOCATION_PER_FRAME * bus.deliveredInCall().size();
                assertTrue(allocation <= limit, () -> "receive allocated " + allocation + " bytes for "
                    + bus.deliveredInCall().size() + " frames");
            }
            if (message.isPresent()) {
                int length = message.get().length;
                assertTrue(length >= 1 && length <= config.maxMessageLength(),
                    () -> "received a message of " + length + " bytes, limit " + config.maxMessageLength());
            }
            List<CanFrame> sent = bus.sent.subList(sentBefore, bus.sent.size());
            for (CanFrame fc : sent) {
                checkFlowControl(fc, config);
            }
            if (failure != null && failure.reason() == IsoTpException.Reason.MESSAGE_TOO_LARGE) {
                assertTrue(!sent.isEmpty() && (sent.get(sent.size() - 1).byteAt(0) == 0x32),
                    "refused a first frame without answering overflow: " + failure.getMessage());
            }
        }
        return outcomes;
    }

    private static void checkFlowControl(CanFrame fc, IsoTpConfig config) {
        assertEquals(TX, fc.id(), "frame sent on another identifier");
        assertTrue(fc.length() >= 3, () -> "short flow control " + fc);
        int pci = fc.byteAt(0);
        assertTrue(pci == 0x30 || pci == 0x32, () -> "sent " + fc + ", not a CTS or overflow flow control");
        if (pci == 0x30) {
            assertEquals(config.blockSize(), fc.byteAt(1), () -> "flow control " + fc + " announces another block size");
            assertEquals(config.stMin().raw(), fc.byteAt(2), () -> "flow control " + fc + " announces another STmin");
        }
        assertEquals(config.padding().isPresent() ? 8 : 3, fc.length(), () -> "flow control " + fc + " padding");
    }

    private static IsoTpConfig config(byte b) {
        int[] lengths = {IsoTpConfig.MAX_CLASSIC_LENGTH, 512, 64, 8};
        IsoTpConfig c = IsoTpConfig.of(TX, RX).withBlockSize(b & 0x07).withTimeouts(N_CR, N_CR)
            .withMaxMessageLength(lengths[(b >>> 4) & 0x03]);
        return (b & 0x08) != 0 ? c.withoutPadding() : c;
    }

    private static long allocated() {
        return THREADS == null ? -1 : THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
            && t.isThreadAllocatedMemorySupported()) {
            t.setThreadAllocatedMemoryEnabled(true);
            return t;
        }
        return null;
    }

    /** A frame on the scripted bus, due {@code pauseNanos} after the one before it. */
    private static final class Scheduled {
        long pauseNanos;
        final CanFrame frame;

        Scheduled(long pauseNanos, CanFrame frame) {
            this.pauseNanos = pauseNanos;
            this.frame = frame;
        }

        @Override
        public String toString() {
            return "+" + TimeUnit.NANOSECONDS.toMillis(pauseNanos) + " ms " + frame;
        }
    }

    /**
     * The receiver's channel: delivers scripted frames in virtual time. {@code receive(timeout)} advances the
     * clock to the next frame when it is due within the timeout, otherwise by the timeout and returns empty.
     */
    private static final class VirtualTimeBus implements CanChannel {
        private final Deque<Scheduled> script = new ArrayDeque<>();
        final List<CanFrame> sent = new ArrayList<>();
        /** Frames delivered in the current call, with their pauses (formatted only for a failure's message). */
        private final List<Scheduled> deliveredInCall = new ArrayList<>();
        private long now = 1_000_000_000L;
        private long waitAllowedUntil;
        private long overrun;

        void script(byte[] in, int from) {
            int i = from;
            while (i < in.length) {
                int control = in[i++] & 0xFF;
                long pause = TimeUnit.MILLISECONDS.toNanos(PAUSE_MS[control >>> 4]);
                int code = control & 0x0F;
                if (code == 9) {
                    add(pause, CanFrame.remote(RX, 0));
                    continue;
                }
                int dlc = Math.min(code, CanFrame.MAX_DATA_LENGTH);
                byte[] data = Arrays.copyOfRange(in, Math.min(i, in.length), Math.min(i + dlc, in.length));
                i += dlc;
                add(pause, CanFrame.of(RX, data));
            }
        }

        void add(long pauseNanos, CanFrame frame) {
            script.addLast(new Scheduled(pauseNanos, frame));
        }

        int remaining() {
            return script.size();
        }

        long now() {
            return now;
        }

        /** A receive call starts: until its timeout, then N_Cr after each SF/FF/CF, the receiver may wait. */
        void startCall(Duration timeout) {
            deliveredInCall.clear();
            waitAllowedUntil = now + timeout.toNanos();
            overrun = Long.MIN_VALUE;
        }

        /** How far past what it may wait the receiver waited in this call (positive: too long). */
        long overrunInCall() {
            return overrun;
        }

        List<Scheduled> deliveredInCall() {
            return deliveredInCall;
        }

        @Override
        public void send(CanFrame frame) {
            sent.add(frame);
        }

        @Override
        public Optional<CanFrame> receive(Duration timeout) {
            long wait = timeout.toNanos();
            Scheduled next = script.peekFirst();
            long until = now + (next == null ? wait : Math.min(wait, next.pauseNanos));
            overrun = Math.max(overrun, until - waitAllowedUntil);
            if (next == null || next.pauseNanos > wait) {
                now += wait;
                if (next != null) {
                    next.pauseNanos -= wait;
                }
                return Optional.empty();
            }
            script.removeFirst();
            now += next.pauseNanos;
            CanFrame f = next.frame;
            deliveredInCall.add(next);
            if (!f.remote() && f.length() > 0 && (f.byteAt(0) >>> 4) <= IsoTpFrame.TYPE_CONSECUTIVE) {
                waitAllowedUntil = Math.max(waitAllowedUntil, now + N_CR.toNanos()); // may advance the reception
            }
            return Optional.of(f);
        }

        @Override
        public void setFilters(List<CanFilter> filters) {
            // every scripted frame is on the receiver's identifier
        }

        @Override
        public String description() {
            return "virtual-time script";
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    /** The sending side's channel: every wait for flow control is answered CTS with the peer's block size. */
    private static final class SenderSide implements CanChannel {
        final List<CanFrame> sent = new ArrayList<>();
        private final int blockSize;

        SenderSide(int blockSize) {
            this.blockSize = blockSize;
        }

        @Override
        public void send(CanFrame frame) {
            sent.add(frame);
        }

        @Override
        public Optional<CanFrame> receive(Duration timeout) {
            return Optional.of(CanFrame.ofUnsigned(TX, 0x30, blockSize, 0x00));
        }

        @Override
        public void setFilters(List<CanFilter> filters) {
            // answers come from this object only
        }

        @Override
        public String description() {
            return "flow-control stub";
        }

        @Override
        public void close() {
            // nothing held
        }
    }
}
