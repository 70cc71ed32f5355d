package io.vinbind.esim.euicc;

import java.time.Duration;
import java.util.Objects;

/**
 * How a simulated eUICC is built and which faults it shows.
 *
 * @param memoryBytes non-volatile memory for profiles; a package that does not fit fails with
 *     installFailedDueToInsufficientMemoryForProfile (10)
 * @param maxLogicalChannels channels 0..n-1 may be open (basic channel 0 included), 1-20
 * @param answerDelay fault: every APDU is answered this much later (modems see 300 ms and more during a download)
 * @param interruptAtSegment fault: the n-th BPP segment (from 1) of every download is answered with
 *     installFailedDueToInterruption (11), as after a power loss; 0 never
 * @param enableNeedsRefresh fault: an enabled profile becomes the one the network sees only after
 *     {@link EuiccSimulator#refresh()} (the modem's REFRESH or AT+CFUN=0/1)
 */
public record EuiccConfig(long memoryBytes, int maxLogicalChannels, Duration answerDelay, int interruptAtSegment,
                          boolean enableNeedsRefresh) {

    /** 512 KiB of profile memory, 4 channels, no faults. */
    public static final EuiccConfig DEFAULT = new EuiccConfig(512 * 1024, 4, Duration.ZERO, 0, false);

    public EuiccConfig {
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("memoryBytes must not be negative");
        }
        if (maxLogicalChannels < 1 || maxLogicalChannels > 20) {
            throw new IllegalArgumentException("maxLogicalChannels must be 1-20");
        }
        Objects.requireNonNull(answerDelay, "answerDelay");
        if (answerDelay.isNegative() || interruptAtSegment < 0) {
            throw new IllegalArgumentException("answerDelay and interruptAtSegment must not be negative");
        }
    }

    public EuiccConfig withMemoryBytes(long m) {
        return new EuiccConfig(m, maxLogicalChannels, answerDelay, interruptAtSegment, enableNeedsRefresh);
    }

    public EuiccConfig withAnswerDelay(Duration d) {
        return new EuiccConfig(memoryBytes, maxLogicalChannels, d, interruptAtSegment, enableNeedsRefresh);
    }

    public EuiccConfig withInterruptAtSegment(int n) {
        return new EuiccConfig(memoryBytes, maxLogicalChannels, answerDelay, n, enableNeedsRefresh);
    }

    public EuiccConfig withEnableNeedsRefresh(boolean r) {
        return new EuiccConfig(memoryBytes, maxLogicalChannels, answerDelay, interruptAtSegment, r);
    }
}
