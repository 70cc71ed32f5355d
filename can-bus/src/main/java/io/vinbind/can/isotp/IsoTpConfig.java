package io.vinbind.can.isotp;

import io.vinbind.can.CanId;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Parameters of one ISO-TP link (normal addressing, classic CAN).
 *
 * @param txId             identifier we send on (requests, and our flow controls)
 * @param rxId             identifier we receive on
 * @param padding          fill byte for frames shorter than 8 bytes, or empty to send them unpadded;
 *                         received frames are accepted padded or not
 * @param blockSize        BS we announce in our flow controls: consecutive frames per block, 0 = all
 * @param stMin            STmin we announce in our flow controls
 * @param nBs              how long the sender waits for a flow control (ISO 15765-2 N_Bs)
 * @param nCr              how long the receiver waits for the next consecutive frame (N_Cr)
 * @param maxWaitFrames    WAIT flow controls accepted in a row before aborting (N_WFTmax); 0 = none
 * @param maxMessageLength longest message we receive; longer first frames get flow status overflow
 */
public record IsoTpConfig(CanId txId, CanId rxId, OptionalInt padding, int blockSize, StMin stMin,
                          Duration nBs, Duration nCr, int maxWaitFrames, int maxMessageLength) {

    /** The 12-bit first-frame length field's limit. */
    public static final int MAX_CLASSIC_LENGTH = 4095;
    /** N_Bs and N_Cr as the Linux kernel and python-can-isotp default them. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(1000);
    /** Default for {@link #maxWaitFrames}. */
    public static final int DEFAULT_MAX_WAIT_FRAMES = 10;

    public IsoTpConfig {
        Objects.requireNonNull(txId, "txId");
        Objects.requireNonNull(rxId, "rxId");
        Objects.requireNonNull(padding, "padding");
        Objects.requireNonNull(stMin, "stMin");
        Objects.requireNonNull(nBs, "nBs");
        Objects.requireNonNull(nCr, "nCr");
        if (txId.equals(rxId)) {
            throw new IllegalArgumentException("ISO-TP tx and rx identifiers must differ, both are " + txId);
        }
        if (padding.isPresent() && (padding.getAsInt() < 0 || padding.getAsInt() > 0xFF)) {
            throw new IllegalArgumentException("ISO-TP padding byte must be 0x00..0xFF, got " + padding.getAsInt());
        }
        if (blockSize < 0 || blockSize > 0xFF) {
            throw new IllegalArgumentException("ISO-TP block size must be 0..255, got " + blockSize);
        }
        if (nBs.isNegative() || nBs.isZero() || nCr.isNegative() || nCr.isZero()) {
            throw new IllegalArgumentException("ISO-TP N_Bs and N_Cr must be positive, got " + nBs + " and " + nCr);
        }
        if (maxWaitFrames < 0) {
            throw new IllegalArgumentException("ISO-TP max WAIT frames must not be negative, got " + maxWaitFrames);
        }
        if (maxMessageLength < 1 || maxMessageLength > MAX_CLASSIC_LENGTH) {
            throw new IllegalArgumentException("ISO-TP max message length must be 1..4095, got " + maxMessageLength);
        }
    }

    /** Defaults: padding 0xCC (kernel default), BS 0, STmin 0, N_Bs = N_Cr = 1000 ms, 10 WAITs, 4095 bytes. */
    public static IsoTpConfig of(CanId txId, CanId rxId) {
        return new IsoTpConfig(txId, rxId, OptionalInt.of(0xCC), 0, StMin.ZERO, DEFAULT_TIMEOUT, DEFAULT_TIMEOUT,
                DEFAULT_MAX_WAIT_FRAMES, MAX_CLASSIC_LENGTH);
    }

    public IsoTpConfig withPadding(int fill) {
        return new IsoTpConfig(txId, rxId, OptionalInt.of(fill), blockSize, stMin, nBs, nCr, maxWaitFrames, maxMessageLength);
    }

    public IsoTpConfig withoutPadding() {
        return new IsoTpConfig(txId, rxId, OptionalInt.empty(), blockSize, stMin, nBs, nCr, maxWaitFrames, maxMessageLength);
    }

    public IsoTpConfig withBlockSize(int bs) {
        return new IsoTpConfig(txId, rxId, padding, bs, stMin, nBs, nCr, maxWaitFrames, maxMessageLength);
    }

    public IsoTpConfig withStMin(StMin st) {
        return new IsoTpConfig(txId, rxId, padding, blockSize, st, nBs, nCr, maxWaitFrames, maxMessageLength);
    }

    public IsoTpConfig withTimeouts(Duration newNBs, Duration newNCr) {
        return new IsoTpConfig(txId, rxId, padding, blockSize, stMin, newNBs, newNCr, maxWaitFrames, maxMessageLength);
    }

    public IsoTpConfig withMaxWaitFrames(int wftMax) {
        return new IsoTpConfig(txId, rxId, padding, blockSize, stMin, nBs, nCr, wftMax, maxMessageLength);
    }

    public IsoTpConfig withMaxMessageLength(int max) {
        return new IsoTpConfig(txId, rxId, padding, blockSize, stMin, nBs, nCr, maxWaitFrames, max);
    }
}
