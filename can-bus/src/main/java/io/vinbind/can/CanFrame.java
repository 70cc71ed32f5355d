package io.vinbind.can;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable classic CAN frame (ISO 11898-1): an identifier in 11- or 29-bit format, and either up to
 * eight data bytes or, for a remote frame, only a data length code.
 *
 * @param id     identifier with its format
 * @param remote true for a remote transmission request (no data, the DLC says how much is asked for)
 * @param dlc    data length code 0..8; for data frames always equal to {@code data.length}
 * @param data   payload, empty for remote frames; copied in and out
 */
public record CanFrame(CanId id, boolean remote, int dlc, byte[] data) {

    /** Classic CAN carries at most eight data bytes. */
    public static final int MAX_DATA_LENGTH = 8;

    public CanFrame {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(data, "data");
        if (dlc < 0 || dlc > MAX_DATA_LENGTH) {
            throw new IllegalArgumentException("CAN frame " + id + ": DLC " + dlc + " is outside 0..8");
        }
        if (remote && data.length != 0) {
            throw new IllegalArgumentException("CAN frame " + id + ": a remote frame carries no data, got "
                    + data.length + " bytes");
        }
        if (!remote && data.length != dlc) {
            throw new IllegalArgumentException("CAN frame " + id + ": DLC " + dlc + " does not match "
                    + data.length + " data bytes");
        }
        data = data.clone();
    }

    /** A data frame whose DLC is the number of bytes given. */
    public static CanFrame of(CanId id, byte... data) {
        Objects.requireNonNull(data, "data");
        return new CanFrame(id, false, data.length, data);
    }

    /** A data frame from unsigned byte values 0..255, convenient for tests and constants. */
    public static CanFrame ofUnsigned(CanId id, int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 0xFF) {
                throw new IllegalArgumentException("CAN frame " + id + ": byte " + i + " value " + values[i]
                        + " is outside 0..255");
            }
            bytes[i] = (byte) values[i];
        }
        return of(id, bytes);
    }

    /** A remote frame asking for {@code dlc} bytes. */
    public static CanFrame remote(CanId id, int dlc) {
        return new CanFrame(id, true, dlc, new byte[0]);
    }

    /**
     * Parses candump's compact form, the inverse of {@link #toString()}: {@code 7E0#0322F190},
     * {@code 18DA40F1#023E00} (8 id digits: 29-bit), {@code 7DF#R} or {@code 7DF#R2} (remote, DLC 2).
     *
     * @throws IllegalArgumentException naming the text when it is not such a frame
     */
    public static CanFrame parse(String text) {
        int hash = text == null ? -1 : text.indexOf('#');
        if (hash < 0) {
            throw new IllegalArgumentException("CAN frame '" + text + "' is not <id>#<hex data> (e.g. 7E0#0322F190)");
        }
        CanId id = CanId.parse(text.substring(0, hash));
        String rest = text.substring(hash + 1).trim();
        if (rest.startsWith("R") || rest.startsWith("r")) {
            String len = rest.substring(1);
            try {
                return remote(id, len.isEmpty() ? 0 : Integer.parseInt(len));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("CAN frame '" + text + "': remote DLC '" + len + "' is not a number", e);
            }
        }
        try {
            return of(id, Hex.parse(rest.replace(".", "")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CAN frame '" + text + "': " + e.getMessage(), e);
        }
    }

    /** A copy of the payload. */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /** Number of data bytes actually carried (0 for remote frames). */
    public int length() {
        return data.length;
    }

    /** Data byte {@code index} as an unsigned value 0..255. */
    public int byteAt(int index) {
        if (index < 0 || index >= data.length) {
            throw new IndexOutOfBoundsException("CAN frame " + this + " has no byte " + index);
        }
        return data[index] & 0xFF;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CanFrame f && f.id.equals(id) && f.remote == remote && f.dlc == dlc
                && Arrays.equals(f.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, remote, dlc) * 31 + Arrays.hashCode(data);
    }

    /** candump's compact form: {@code 7E8#0322F190}, {@code 18DAF110#}, remote {@code 7DF#R2}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(id.toString()).append('#');
        if (remote) {
            return s.append('R').append(dlc).toString();
        }
        return s.append(Hex.of(data)).toString();
    }
}
