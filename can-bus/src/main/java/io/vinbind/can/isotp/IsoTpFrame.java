package io.vinbind.can.isotp;

import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The four ISO-TP frame types of ISO 15765-2 (9.6, normal addressing, classic CAN) and their byte codec.
 * The protocol control information (PCI) is the first byte's high nibble: 0 single, 1 first,
 * 2 consecutive, 3 flow control.
 */
sealed interface IsoTpFrame {

    int TYPE_SINGLE = 0x0;
    int TYPE_FIRST = 0x1;
    int TYPE_CONSECUTIVE = 0x2;
    int TYPE_FLOW_CONTROL = 0x3;
    /** Payload bytes an SF carries on classic CAN. */
    int SF_MAX = 7;
    /** Payload bytes in a 12-bit-length FF. */
    int FF_DATA = 6;
    /** Payload bytes in a full CF. */
    int CF_DATA = 7;
    /** Longest length a 12-bit FF_DL field holds; longer messages need the 32-bit escape. */
    int MAX_12_BIT_LENGTH = 0xFFF;

    /** SF: {@code 0L data...} with L = 1..7. */
    record Single(byte[] payload) implements IsoTpFrame {
    }

    /** FF: {@code 1L LL data*6}, or with L=0x000 the escape {@code 10 00 LLLLLLLL data*2}. */
    record First(long length, byte[] data) implements IsoTpFrame {
    }

    /** CF: {@code 2N data...} with N the sequence number 0..15. {@code data} may include padding. */
    record Consecutive(int sequenceNumber, byte[] data) implements IsoTpFrame {
    }

    /** FC: {@code 3S BS STmin}. {@code status} is the raw nibble (3..15 are reserved). */
    record FlowControl(int status, int blockSize, int stMinRaw) implements IsoTpFrame {
    }

    /** Not a valid ISO-TP frame; {@code reason} says why. */
    record Invalid(String reason) implements IsoTpFrame {
    }

    static IsoTpFrame decode(CanFrame frame) {
        if (frame.remote() || frame.length() == 0) {
            return new Invalid("frame " + frame + " carries no PCI byte");
        }
        byte[] d = frame.data();
        int pci = d[0] & 0xFF;
        int low = pci & 0x0F;
        switch (pci >>> 4) {
            case TYPE_SINGLE:
                if (low == 0 || low > SF_MAX) {
                    return new Invalid("SF " + frame + " announces length " + low + " (classic CAN allows 1..7)");
                }
                if (d.length < 1 + low) {
                    return new Invalid("SF " + frame + " announces " + low + " bytes but carries " + (d.length - 1));
                }
                return new Single(Arrays.copyOfRange(d, 1, 1 + low));
            case TYPE_FIRST:
                if (d.length < 8) {
                    return new Invalid("FF " + frame + " is shorter than 8 bytes");
                }
                int length12 = (low << 8) | (d[1] & 0xFF);
                if (length12 == 0) {
                    long length32 = ((d[2] & 0xFFL) << 24) | ((d[3] & 0xFFL) << 16) | ((d[4] & 0xFFL) << 8) | (d[5] & 0xFFL);
                    if (length32 <= MAX_12_BIT_LENGTH) {
                        // ISO 15765-2:2016 9.6.3.2: the escape is only for FF_DL > 4095; such an FF is ignored
                        return new Invalid("FF " + frame + " uses the 32-bit length escape for " + length32
                                + " bytes, which a 12-bit first frame carries");
                    }
                    return new First(length32, Arrays.copyOfRange(d, 6, 8));
                }
                if (length12 <= SF_MAX) {
                    return new Invalid("FF " + frame + " announces " + length12 + " bytes, which fit a single frame");
                }
                return new First(length12, Arrays.copyOfRange(d, 2, 8));
            case TYPE_CONSECUTIVE:
                return new Consecutive(low, Arrays.copyOfRange(d, 1, d.length));
            case TYPE_FLOW_CONTROL:
                if (d.length < 3) {
                    return new Invalid("FC " + frame + " is shorter than 3 bytes");
                }
                return new FlowControl(low, d[1] & 0xFF, d[2] & 0xFF);
            default:
                return new Invalid("frame " + frame + " has unknown PCI type " + (pci >>> 4));
        }
    }

    static CanFrame single(CanId id, byte[] payload, OptionalInt padding) {
        byte[] d = new byte[1 + payload.length];
        d[0] = (byte) (TYPE_SINGLE << 4 | payload.length);
        System.arraycopy(payload, 0, d, 1, payload.length);
        return pad(id, d, padding);
    }

    static CanFrame first(CanId id, int totalLength, byte[] payload) {
        byte[] d = new byte[8];
        d[0] = (byte) (TYPE_FIRST << 4 | (totalLength >>> 8));
        d[1] = (byte) totalLength;
        System.arraycopy(payload, 0, d, 2, FF_DATA);
        return CanFrame.of(id, d);
    }

    static CanFrame consecutive(CanId id, int sequenceNumber, byte[] payload, int offset, int count, OptionalInt padding) {
        byte[] d = new byte[1 + count];
        d[0] = (byte) (TYPE_CONSECUTIVE << 4 | (sequenceNumber & 0x0F));
        System.arraycopy(payload, offset, d, 1, count);
        return pad(id, d, padding);
    }

    static CanFrame flowControl(CanId id, FlowStatus status, int blockSize, StMin stMin, OptionalInt padding) {
        byte[] d = {(byte) (TYPE_FLOW_CONTROL << 4 | status.code()), (byte) blockSize, (byte) stMin.raw()};
        return pad(id, d, padding);
    }

    private static CanFrame pad(CanId id, byte[] d, OptionalInt padding) {
        if (padding.isEmpty() || d.length == 8) {
            return CanFrame.of(id, d);
        }
        byte[] padded = Arrays.copyOf(d, 8);
        Arrays.fill(padded, d.length, 8, (byte) padding.getAsInt());
        return CanFrame.of(id, padded);
    }
}
