package io.vinbind.modem.uicc;

/**
 * The logical channel bits of an APDU's class byte (ETSI TS 102 221 §10.1.1, ISO/IEC 7816-4 §5.4.1):
 * channels 0-3 in bits 1-2 of the first inter-industry coding ({@code 0X}, and GlobalPlatform's {@code 8X}),
 * channels 4-19 as 4 + bits 1-4 of the further coding ({@code 4X}/{@code 6X}, {@code CX}/{@code EX}).
 */
public final class Cla {

    /** Highest logical channel a class byte can name. */
    public static final int MAX_CHANNEL = 19;

    private Cla() {
    }

    /** True if {@code cla} is a coding that carries a logical channel (not {@code FF}, not the 2G {@code AX}/{@code 2X}/{@code 3X}/{@code BX}). */
    public static boolean carriesChannel(int cla) {
        int c = cla & 0xFF;
        if (c == 0xFF) {
            return false;
        }
        boolean further = (c & 0x40) != 0;
        return further || (c & 0x20) == 0;
    }

    /** The logical channel {@code cla} names. */
    public static int channelOf(int cla) {
        int c = cla & 0xFF;
        return (c & 0x40) != 0 ? 4 + (c & 0x0F) : c & 0x03;
    }

    /**
     * {@code cla} re-coded for {@code channel}, keeping the proprietary bit (GlobalPlatform {@code 80}), command
     * chaining and, where the coding allows, secure messaging; switching between the first and the further
     * coding as the channel number needs.
     *
     * @throws IllegalArgumentException for a channel outside 0-19 or a class byte that cannot carry one
     */
    public static int withChannel(int cla, int channel) {
        if (channel < 0 || channel > MAX_CHANNEL) {
            throw new IllegalArgumentException("logical channel must be 0-19, got " + channel);
        }
        int c = cla & 0xFF;
        if (!carriesChannel(c)) {
            throw new IllegalArgumentException(String.format("class byte %02X cannot carry a logical channel", c));
        }
        boolean further = (c & 0x40) != 0;
        int proprietary = c & 0x80;
        int chaining = c & 0x10;
        if (channel <= 3) {
            int secureMessaging = further ? 0 : c & 0x0C;
            return proprietary | chaining | secureMessaging | channel;
        }
        int secureMessaging = further ? c & 0x20 : 0;
        return proprietary | 0x40 | secureMessaging | chaining | (channel - 4);
    }
}
