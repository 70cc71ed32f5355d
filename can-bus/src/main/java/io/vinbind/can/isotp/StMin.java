package io.vinbind.can.isotp;

import java.time.Duration;
import java.util.Locale;
import org.tinylog.Logger;

/**
 * Separation time minimum, the STmin byte of a flow-control frame (ISO 15765-2, 9.6.5.4): the least time
 * a sender must leave between two consecutive frames.
 * <ul>
 *   <li>{@code 0x00..0x7F}: 0..127 ms;</li>
 *   <li>{@code 0xF1..0xF9}: 100..900 µs;</li>
 *   <li>everything else is reserved.</li>
 * </ul>
 * <b>Rule for reserved values received from a peer</b> ({@link #fromPeer}): they are read as
 * {@code 0x7F} = 127 ms, the longest defined separation, as the Linux kernel's can-isotp does. The
 * standard asks for the longest value, and a VIN read from an ECU with a sloppy FC should slow down rather
 * than abort. Our own configuration must not use reserved values ({@link #StMin(int)} rejects them).
 *
 * @param raw the byte as sent on the wire
 */
public record StMin(int raw) {

    /** No separation: send consecutive frames back to back. */
    public static final StMin ZERO = new StMin(0);
    /** The value reserved bytes are read as. */
    public static final int RESERVED_FALLBACK = 0x7F;

    public StMin {
        if (isReserved(raw)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "STmin 0x%02X is reserved by ISO 15765-2; use 0x00-0x7F (ms) or 0xF1-0xF9 (100-900 us)", raw));
        }
    }

    /** True for byte values ISO 15765-2 reserves (0x80..0xF0, 0xFA..0xFF) and anything outside a byte. */
    public static boolean isReserved(int raw) {
        return raw < 0 || raw > 0xFF || (raw > 0x7F && raw < 0xF1) || raw > 0xF9;
    }

    /** STmin from a received flow control, applying the reserved-value rule above. */
    public static StMin fromPeer(int raw) {
        if (isReserved(raw)) {
            Logger.warn("flow control carries reserved STmin 0x{}; using 127 ms", Integer.toHexString(raw).toUpperCase(Locale.ROOT));
            return new StMin(RESERVED_FALLBACK);
        }
        return new StMin(raw);
    }

    /** 0..127 ms. */
    public static StMin ofMillis(int millis) {
        if (millis < 0 || millis > 0x7F) {
            throw new IllegalArgumentException("STmin in milliseconds must be 0..127, got " + millis);
        }
        return new StMin(millis);
    }

    /** 100..900 µs in steps of 100. */
    public static StMin ofMicros(int micros) {
        if (micros < 100 || micros > 900 || micros % 100 != 0) {
            throw new IllegalArgumentException("STmin in microseconds must be 100, 200, ... 900, got " + micros);
        }
        return new StMin(0xF0 + micros / 100);
    }

    /**
     * Parses a configuration value: {@code 0x14} or {@code 20} (the raw byte), {@code 20ms}, {@code 300us}.
     *
     * @throws IllegalArgumentException naming the text
     */
    public static StMin parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("us")) {
                return ofMicros(Integer.parseInt(t.substring(0, t.length() - 2).trim()));
            }
            if (t.endsWith("ms")) {
                return ofMillis(Integer.parseInt(t.substring(0, t.length() - 2).trim()));
            }
            return new StMin(Integer.decode(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("STmin '" + text + "' is not a byte, '<n>ms' or '<n>us'", e);
        }
    }

    /** The separation this value asks for. */
    public Duration duration() {
        return raw <= 0x7F ? Duration.ofMillis(raw) : Duration.ofNanos((raw - 0xF0) * 100_000L);
    }

    @Override
    public String toString() {
        return raw <= 0x7F ? raw + " ms" : (raw - 0xF0) * 100 + " us";
    }
}
