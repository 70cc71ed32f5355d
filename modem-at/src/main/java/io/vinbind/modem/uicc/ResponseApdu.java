package io.vinbind.modem.uicc;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A response APDU: the data and the status word SW1 SW2 (ISO/IEC 7816-4 §5.1.3). What the status word means
 * is the application's business; it is a value here, not an error.
 */
public record ResponseApdu(byte[] data, int sw) {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    public ResponseApdu {
        data = data.clone();
        if (sw < 0 || sw > 0xFFFF) {
            throw new IllegalArgumentException("status word must be 0000-FFFF: " + sw);
        }
    }

    /** Splits a raw response (data followed by SW1 SW2). */
    public static ResponseApdu of(byte[] raw) {
        if (raw.length < 2) {
            throw new IllegalArgumentException("a response APDU has at least SW1 SW2, got " + raw.length + " bytes");
        }
        int n = raw.length - 2;
        return new ResponseApdu(Arrays.copyOf(raw, n), ((raw[n] & 0xFF) << 8) | (raw[n + 1] & 0xFF));
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    public int sw1() {
        return sw >> 8;
    }

    public int sw2() {
        return sw & 0xFF;
    }

    /** {@code 9000}. */
    public boolean isOk() {
        return sw == 0x9000;
    }

    /** Data followed by SW1 SW2, as the card sent it. */
    public byte[] bytes() {
        byte[] out = Arrays.copyOf(data, data.length + 2);
        out[data.length] = (byte) (sw >> 8);
        out[data.length + 1] = (byte) sw;
        return out;
    }

    /** The status word as four upper-case hex digits, e.g. {@code 6A82}. */
    public String swHex() {
        return String.format("%04X", sw);
    }

    /** The data as upper-case hex. */
    public String dataHex() {
        return HEX.formatHex(data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResponseApdu r && r.sw == sw && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + sw;
    }

    @Override
    public String toString() {
        return (data.length == 0 ? "" : dataHex() + " ") + "SW " + swHex();
    }
}
