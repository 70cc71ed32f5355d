package io.vinbind.can;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A parsed channel spec, the text form command lines and configuration files use:
 * <ul>
 *   <li>{@code virtual:<bus>} – the in-JVM virtual bus of that name (only meaningful inside one process);</li>
 *   <li>{@code slcan:<serial-port>[@<bitrate>]} – a Lawicel/SLCAN adapter, e.g. {@code slcan:/dev/ttyACM0@500000}
 *       or {@code slcan:/dev/ttyUSB0@250k}; default 500 kbit/s;</li>
 *   <li>{@code socketcan:<interface>} – a SocketCAN interface such as {@code can0} or {@code vcan0}.</li>
 * </ul>
 *
 * @param kind    transport
 * @param target  bus name, serial port or interface
 * @param bitrate SLCAN bitrate in bit/s, when given: one of the Lawicel {@code Sn} table's rates
 *                ({@link io.vinbind.can.slcan.SlcanBitrate}), checked here so that a configuration naming
 *                another is refused when it is read, not when the adapter is opened
 */
public record CanSpec(Kind kind, String target, OptionalInt bitrate) {

    /** Transport named by the spec's prefix. */
    public enum Kind { VIRTUAL, SLCAN, SOCKETCAN }

    /** SLCAN bitrate used when the spec names none; the usual body/powertrain CAN rate. */
    public static final int DEFAULT_SLCAN_BITRATE = 500_000;

    public CanSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(bitrate, "bitrate");
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("CAN spec for " + kind.name().toLowerCase(Locale.ROOT)
                    + " needs a target (bus name, serial port or interface)");
        }
        if (bitrate.isPresent() && kind != Kind.SLCAN) {
            throw new IllegalArgumentException("only slcan: specs take a bitrate");
        }
        if (bitrate.isPresent()) {
            io.vinbind.can.slcan.SlcanBitrate.of(bitrate.getAsInt()); // names the supported rates
        }
    }

    /**
     * Parses {@code virtual:bench}, {@code slcan:/dev/ttyACM0@500000}, {@code socketcan:can0}.
     *
     * @throws IllegalArgumentException naming what was wrong with the text
     */
    public static CanSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("CAN spec is missing (virtual:<bus>, slcan:<port>[@bitrate], socketcan:<if>)");
        }
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("CAN spec '" + spec
                    + "' has no transport prefix; use virtual:<bus>, slcan:<port>[@bitrate] or socketcan:<if>");
        }
        String prefix = spec.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = spec.substring(colon + 1);
        switch (prefix) {
            case "virtual":
                return new CanSpec(Kind.VIRTUAL, rest, OptionalInt.empty());
            case "socketcan":
                return new CanSpec(Kind.SOCKETCAN, rest, OptionalInt.empty());
            case "slcan":
                int at = rest.lastIndexOf('@');
                if (at < 0) {
                    return new CanSpec(Kind.SLCAN, rest, OptionalInt.empty());
                }
                return new CanSpec(Kind.SLCAN, rest.substring(0, at), OptionalInt.of(parseBitrate(rest.substring(at + 1), spec)));
            default:
                throw new IllegalArgumentException("CAN spec '" + spec + "': unknown transport '" + prefix
                        + "' (use virtual, slcan or socketcan)");
        }
    }

    private static int parseBitrate(String text, String spec) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int factor = 1;
        if (t.endsWith("k")) {
            factor = 1000;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            factor = 1_000_000;
            t = t.substring(0, t.length() - 1);
        }
        try {
            int value = Math.multiplyExact(Integer.parseInt(t), factor);
            if (value <= 0) {
                throw new NumberFormatException("not positive");
            }
            return value;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("CAN spec '" + spec + "': bitrate '" + text
                    + "' is not a number of bit/s (e.g. 500000 or 500k)", e);
        }
    }

    /** SLCAN bitrate, the spec's or {@link #DEFAULT_SLCAN_BITRATE}. */
    public int bitrateOrDefault() {
        return bitrate.orElse(DEFAULT_SLCAN_BITRATE);
    }

    @Override
    public String toString() {
        String base = kind.name().toLowerCase(Locale.ROOT) + ":" + target;
        return bitrate.isPresent() ? base + "@" + bitrate.getAsInt() : base;
    }
}
