package io.vinbind.can.isotp;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.Hex;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import io.vinbind.log.RateLimitedWarnings;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * ISO-TP (ISO 15765-2) over any {@link CanChannel}: segments messages of 1..4095 bytes into single,
 * first and consecutive frames, honours the receiver's flow control (block size, STmin, WAIT up to
 * {@link IsoTpConfig#maxWaitFrames()}, overflow), and reassembles received messages while sending our own
 * flow control. One conversation at a time: call {@link #send} and {@link #receive} from one thread.
 *
 * <p>Receive-side rules (as in the Linux kernel and python-can-isotp): frames on other identifiers are
 * not ours; a CF or FC that arrives while no reception is running is ignored; a new SF or FF during a
 * reception abandons the old one; a wrong sequence number aborts; padding is tolerated.
 *
 * <p>The constructor sets the channel's filters to {@link IsoTpConfig#rxId()}; give it a channel (or a
 * {@link io.vinbind.can.SharedCanChannel} view) of its own.
 */
public final class IsoTpChannel {

    /** Upper bound on frames {@link #discardPending()} drops in one call, so a flooding bus cannot hold it. */
    private static final int MAX_DISCARD = 10_000;

    private final CanChannel can;
    private final IsoTpConfig config;
    /** Invalid frames on our identifier come from the bus, at the bus's rate: a few lines, then a count. */
    private final RateLimitedWarnings warnings = RateLimitedWarnings.standard();
    /** The clock of the N_Bs / N_Cr / receive deadlines ({@link System#nanoTime()} but in the fuzz target). */
    private final LongSupplier nanoTime;

    public IsoTpChannel(CanChannel can, IsoTpConfig config) throws CanException {
        this(can, config, System::nanoTime);
    }

    /** With the clock the deadlines are measured on, so a test can run a bus in virtual time. */
    IsoTpChannel(CanChannel can, IsoTpConfig config, LongSupplier nanoTime) throws CanException {
        this.can = Objects.requireNonNull(can, "can");
        this.config = Objects.requireNonNull(config, "config");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        can.setFilters(List.of(CanFilter.exact(config.rxId())));
    }

    public IsoTpConfig config() {
        return config;
    }

    public CanChannel canChannel() {
        return can;
    }

    /**
     * Drops frames already queued for us without waiting, e.g. the late answer to a request that timed out,
     * so it cannot be taken for the answer to the next one. Returns how many were dropped.
     */
    public int discardPending() throws CanException {
        int dropped = 0;
        while (dropped < MAX_DISCARD) {
            Optional<CanFrame> stale = can.receive(Duration.ZERO);
            if (stale.isEmpty()) {
                break;
            }
            Logger.debug("ISO-TP {}: discarding stale {}", config.rxId(), stale.get());
            dropped++;
        }
        return dropped;
    }

    /**
     * Sends one message, waiting for flow control as needed.
     *
     * @throws IllegalArgumentException when the payload is empty or longer than 4095 bytes
     * @throws IsoTpException           on N_Bs timeout, overflow, reserved flow status or too many WAITs
     */
    public void send(byte[] payload) throws CanException {
        byte[] msg = payload.clone();
        if (msg.length == 0) {
            throw new IllegalArgumentException("ISO-TP cannot send an empty message (SF length 0 is invalid)");
        }
        if (msg.length > IsoTpConfig.MAX_CLASSIC_LENGTH) {
            throw new IllegalArgumentException("ISO-TP message of " + msg.length
                    + " bytes exceeds the 4095-byte limit of 12-bit first frames");
        }
        if (msg.length <= IsoTpFrame.SF_MAX) {
            can.send(IsoTpFrame.single(config.txId(), msg, config.padding()));
            return;
        }
        can.send(IsoTpFrame.first(config.txId(), msg.length, msg));
        int offset = IsoTpFrame.FF_DATA;
        int sn = 1;
        while (offset < msg.length) {
            IsoTpFrame.FlowControl fc = awaitClearToSend(offset, msg.length);
            Duration separation = StMin.fromPeer(fc.stMinRaw()).duration();
            int inBlock = 0;
            long lastSent = 0;
            while (offset < msg.length && (fc.blockSize() == 0 || inBlock < fc.blockSize())) {
                if (inBlock > 0) {
                    pauseUntil(lastSent + separation.toNanos());
                }
                int count = Math.min(IsoTpFrame.CF_DATA, msg.length - offset);
                can.send(IsoTpFrame.consecutive(config.txId(), sn, msg, offset, count, config.padding()));
                lastSent = System.nanoTime();
                offset += count;
                sn = (sn + 1) & 0x0F;
                inBlock++;
            }
        }
    }

    private IsoTpFrame.FlowControl awaitClearToSend(int sent, int total) throws CanException {
        int waits = 0;
        long deadline = nanoTime.getAsLong() + config.nBs().toNanos();
        while (true) {
            long left = deadline - nanoTime.getAsLong();
            Optional<CanFrame> frame = left > 0 ? can.receive(Duration.ofNanos(left)) : Optional.empty();
            if (frame.isEmpty()) {
                throw new IsoTpException(IsoTpException.Reason.TIMEOUT_N_BS, "no flow control on " + config.rxId()
                        + " within " + config.nBs().toMillis() + " ms (" + sent + " of " + total + " bytes sent"
                        + (waits > 0 ? ", after " + waits + " WAIT" : "") + ")");
            }
            if (!(IsoTpFrame.decode(frame.get()) instanceof IsoTpFrame.FlowControl fc)) {
                Logger.debug("ISO-TP {}: ignoring {} while waiting for flow control", config.txId(), frame.get());
                continue;
            }
            Optional<FlowStatus> status = FlowStatus.fromCode(fc.status());
            if (status.isEmpty()) {
                throw new IsoTpException(IsoTpException.Reason.INVALID_FLOW_STATUS, "flow control " + frame.get()
                        + " has reserved flow status " + fc.status());
            }
            switch (status.get()) {
                case CONTINUE_TO_SEND:
                    return fc;
                case OVERFLOW:
                    throw new IsoTpException(IsoTpException.Reason.PEER_OVERFLOW, "receiver answered " + frame.get()
                            + " (overflow) to a " + total + "-byte message");
                case WAIT:
                    waits++;
                    if (waits > config.maxWaitFrames()) {
                        throw new IsoTpException(IsoTpException.Reason.WAIT_LIMIT_EXCEEDED, "receiver sent " + waits
                                + " WAIT flow controls, at most " + config.maxWaitFrames() + " accepted");
                    }
                    deadline = nanoTime.getAsLong() + config.nBs().toNanos();
                    break;
                default:
                    throw new IllegalStateException("unhandled flow status " + status.get());
            }
        }
    }

    /**
     * Receives one message. {@code timeout} bounds the wait for its start (SF or FF); once a first frame
     * arrived, the rest is bounded by N_Cr per consecutive frame (other frames arriving meanwhile do not
     * extend it).
     *
     * @return the message, or empty when no message started within {@code timeout}
     * @throws IsoTpException on N_Cr timeout, wrong sequence number, a malformed frame, or a first frame
     *                        longer than {@link IsoTpConfig#maxMessageLength()} (answered with overflow)
     */
    public Optional<byte[]> receive(Duration timeout) throws CanException {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        while (true) {
            long left = deadline - nanoTime.getAsLong();
            Optional<CanFrame> frame = can.receive(Duration.ofNanos(Math.max(0, left)));
            if (frame.isEmpty()) {
                return Optional.empty();
            }
            CanFrame raw = frame.get();
            IsoTpFrame decoded = IsoTpFrame.decode(raw);
            // a segmented reception can be interrupted by a new SF or FF, which is then handled instead
            while (decoded instanceof IsoTpFrame.First first) {
                Segmented outcome = receiveSegmented(first, raw);
                if (outcome instanceof Segmented.Done done) {
                    return Optional.of(done.payload());
                }
                Segmented.Interrupted interrupted = (Segmented.Interrupted) outcome;
                decoded = interrupted.by();
                raw = interrupted.frame();
            }
            if (decoded instanceof IsoTpFrame.Single single) {
                return Optional.of(single.payload());
            }
            if (decoded instanceof IsoTpFrame.Invalid invalid) {
                warnings.warn("ISO-TP {}: ignoring invalid frame: {}", config.rxId(), invalid.reason());
            } else {
                Logger.debug("ISO-TP {}: ignoring stray {} while idle", config.rxId(), raw);
            }
        }
    }

    /** How a segmented reception ended: a whole message, or a new SF/FF that abandoned it. */
    private sealed interface Segmented {
        record Done(byte[] payload) implements Segmented {
        }

        record Interrupted(IsoTpFrame by, CanFrame frame) implements Segmented {
        }
    }

    /** Receives the rest of a segmented message after its first frame. */
    private Segmented receiveSegmented(IsoTpFrame.First first, CanFrame firstCan) throws CanException {
        if (first.length() > config.maxMessageLength()) {
            can.send(IsoTpFrame.flowControl(config.txId(), FlowStatus.OVERFLOW, 0, StMin.ZERO, config.padding()));
            throw new IsoTpException(IsoTpException.Reason.MESSAGE_TOO_LARGE, "first frame " + firstCan
                    + " announces " + first.length() + " bytes, this receiver accepts at most "
                    + config.maxMessageLength() + "; answered flow status overflow");
        }
        int total = (int) first.length();
        byte[] buffer = new byte[total];
        int received = Math.min(first.data().length, total);
        System.arraycopy(first.data(), 0, buffer, 0, received);
        sendClearToSend();
        int expectedSn = 1;
        int inBlock = 0;
        // N_Cr runs from our flow control or the last consecutive frame to the next consecutive frame (ISO
        // 15765-2's N_Cr, timed as the Linux kernel times it): frames that do not advance the reception do
        // not restart it, or a peer that keeps sending them would hold this receiver for ever
        long deadline = nanoTime.getAsLong() + config.nCr().toNanos();
        while (received < total) {
            long left = deadline - nanoTime.getAsLong();
            Optional<CanFrame> frame = left > 0 ? can.receive(Duration.ofNanos(left)) : Optional.empty();
            if (frame.isEmpty()) {
                throw new IsoTpException(IsoTpException.Reason.TIMEOUT_N_CR, "no consecutive frame #" + expectedSn
                        + " on " + config.rxId() + " within " + config.nCr().toMillis() + " ms (" + received + " of "
                        + total + " bytes received)");
            }
            IsoTpFrame decoded = IsoTpFrame.decode(frame.get());
            if (decoded instanceof IsoTpFrame.Consecutive cf) {
                if (cf.sequenceNumber() != expectedSn) {
                    throw new IsoTpException(IsoTpException.Reason.WRONG_SEQUENCE_NUMBER, "expected sequence number "
                            + expectedSn + ", got " + frame.get() + " (" + received + " of " + total + " bytes received)");
                }
                int want = Math.min(IsoTpFrame.CF_DATA, total - received);
                if (cf.data().length < want) {
                    throw new IsoTpException(IsoTpException.Reason.MALFORMED_FRAME, "consecutive frame " + frame.get()
                            + " carries " + cf.data().length + " bytes, " + want + " expected");
                }
                System.arraycopy(cf.data(), 0, buffer, received, want);
                received += want;
                expectedSn = (expectedSn + 1) & 0x0F;
                inBlock++;
                deadline = nanoTime.getAsLong() + config.nCr().toNanos();
                if (received < total && config.blockSize() > 0 && inBlock == config.blockSize()) {
                    sendClearToSend();
                    inBlock = 0;
                }
            } else if (decoded instanceof IsoTpFrame.Single || decoded instanceof IsoTpFrame.First) {
                Logger.warn("ISO-TP {}: {} interrupts the reception of a {}-byte message after {} bytes",
                        config.rxId(), frame.get(), total, received);
                return new Segmented.Interrupted(decoded, frame.get());
            } else if (decoded instanceof IsoTpFrame.Invalid invalid) {
                warnings.warn("ISO-TP {}: ignoring invalid frame during reception: {}", config.rxId(), invalid.reason());
            } else {
                Logger.debug("ISO-TP {}: ignoring {} during reception", config.rxId(), frame.get());
            }
        }
        Logger.trace("ISO-TP {}: received {} bytes: {}", config.rxId(), total, Hex.of(buffer));
        return new Segmented.Done(buffer);
    }

    private void sendClearToSend() throws CanException {
        can.send(IsoTpFrame.flowControl(config.txId(), FlowStatus.CONTINUE_TO_SEND, config.blockSize(),
                config.stMin(), config.padding()));
    }

    private static void pauseUntil(long until) throws CanException {
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new CanException("ISO-TP send interrupted while honouring STmin");
            }
        }
    }
}
