package io.vinbind.esim.es10;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ES10 framing: an ES10 request cut into GlobalPlatform STORE DATA commands (SGP.22 §5.7.2, GP Card
 * Specification §11.11): CLA 80 with the logical channel (ETSI TS 102 221 §10.1.1: channels 0-3 in bits 1-2
 * of CLA 80-83, channels 4-19 as C0-CF), INS E2, P1 11 for "more blocks" and 91 for the last one, P2 the
 * block number from 0, at most {@code blockSize} data bytes each (120 by default, as lpac sends; 255 allowed).
 */
public final class StoreData {

    public static final int INS = 0xE2;
    public static final int P1_MORE = 0x11;
    public static final int P1_LAST = 0x91;
    public static final int DEFAULT_BLOCK_SIZE = 120;
    public static final int MAX_BLOCK_SIZE = 255;
    /** GET RESPONSE (ETSI TS 102 221 §11.1.13) with the ES10 CLA. */
    public static final int INS_GET_RESPONSE = 0xC0;

    private StoreData() {
    }

    /** The CLA byte of a GlobalPlatform proprietary command on {@code channel} (0-19). */
    public static int cla(int channel) {
        if (channel < 0 || channel > 19) {
            throw new IllegalArgumentException("logical channel must be 0-19, got " + channel);
        }
        return channel <= 3 ? 0x80 | channel : 0xC0 | (channel - 4);
    }

    /** The logical channel a CLA byte names (inverse of {@link #cla}), for any class (00/80 or 40/C0 codings). */
    public static int channelOf(int cla) {
        return (cla & 0x40) != 0 ? 4 + (cla & 0x0F) : cla & 0x03;
    }

    /** The STORE DATA commands that carry {@code data}; an empty request is one block with no data. */
    public static List<byte[]> commands(int channel, byte[] data, int blockSize) {
        if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("block size must be 1-255, got " + blockSize);
        }
        int blocks = Math.max(1, (data.length + blockSize - 1) / blockSize);
        if (blocks > 256) {
            throw new IllegalArgumentException("request of " + data.length + " bytes needs " + blocks
                + " blocks; P2 numbers at most 256");
        }
        List<byte[]> out = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            int from = b * blockSize;
            int to = Math.min(data.length, from + blockSize);
            byte[] apdu = new byte[5 + (to - from)];
            apdu[0] = (byte) cla(channel);
            apdu[1] = (byte) INS;
            apdu[2] = (byte) (b == blocks - 1 ? P1_LAST : P1_MORE);
            apdu[3] = (byte) b;
            apdu[4] = (byte) (to - from);
            System.arraycopy(data, from, apdu, 5, to - from);
            out.add(apdu);
        }
        return out;
    }

    /** GET RESPONSE for {@code length} bytes (00 meaning 256). */
    public static byte[] getResponse(int channel, int length) {
        return new byte[] {(byte) cla(channel), (byte) INS_GET_RESPONSE, 0, 0, (byte) length};
    }

    /** SW1 SW2 of a response APDU as an int. */
    public static int statusWord(byte[] response) {
        if (response == null || response.length < 2) {
            throw new IllegalArgumentException("response APDU needs at least SW1 SW2, got "
                + (response == null ? "null" : response.length + " bytes"));
        }
        return ((response[response.length - 2] & 0xFF) << 8) | (response[response.length - 1] & 0xFF);
    }

    /** The data part of a response APDU. */
    public static byte[] data(byte[] response) {
        return Arrays.copyOf(response, response.length - 2);
    }
}
