package io.vinbind.esim.es10;

import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.bpp.Segment;
import io.vinbind.esim.message.ProfileInstallationResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import org.tinylog.Logger;

/**
 * The LPA's side of ES10 on one logical channel to the ISD-R: opens the channel (MANAGE CHANNEL, SELECT by
 * AID), sends each ES10 request as a STORE DATA sequence, follows 61xx with GET RESPONSE, and loads a bound
 * profile package segment by segment (SGP.22 §2.5.5), stopping at the ProfileInstallationResult.
 * Knows nothing of how the APDUs travel ({@link ApduTransport}).
 */
public final class Es10Client implements AutoCloseable {

    /** The ISD-R's AID (SGP.22 §2.2.3). */
    public static final byte[] ISD_R_AID = HexFormat.of().parseHex("A0000005591010FFFFFFFF8900000100");

    private final ApduTransport transport;
    private final int blockSize;
    private int channel = -1;

    public Es10Client(ApduTransport transport, int blockSize) {
        this.transport = transport;
        if (blockSize < 1 || blockSize > StoreData.MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("block size must be 1-255, got " + blockSize);
        }
        this.blockSize = blockSize;
    }

    public Es10Client(ApduTransport transport) {
        this(transport, StoreData.DEFAULT_BLOCK_SIZE);
    }

    /** Opens a logical channel with MANAGE CHANNEL and SELECTs the ISD-R on it; returns the channel. */
    public int open() throws Es10Exception {
        byte[] r = exchange(new byte[] {0x00, 0x70, 0x00, 0x00, 0x01}, "MANAGE CHANNEL open");
        int sw = StoreData.statusWord(r);
        if (sw != StatusWord.OK || r.length != 3) {
            throw new Es10Exception("MANAGE CHANNEL open answered " + StatusWord.hex(sw), sw);
        }
        channel = r[0] & 0xFF;
        return select(channel);
    }

    /** Uses an already opened channel (e.g. one AT+CCHO opened) on which the ISD-R is selected. */
    public void useChannel(int openedChannel) {
        StoreData.cla(openedChannel);
        channel = openedChannel;
    }

    private int select(int ch) throws Es10Exception {
        byte[] apdu = new byte[5 + ISD_R_AID.length + 1];
        apdu[0] = (byte) (ch <= 3 ? ch : 0x40 | (ch - 4));
        apdu[1] = (byte) 0xA4;
        apdu[2] = 0x04;
        apdu[3] = 0x00;
        apdu[4] = (byte) ISD_R_AID.length;
        System.arraycopy(ISD_R_AID, 0, apdu, 5, ISD_R_AID.length);
        byte[] r = exchange(apdu, "SELECT ISD-R");
        int sw = StoreData.statusWord(r);
        if ((sw & 0xFF00) == StatusWord.MORE_DATA) {
            r = exchange(new byte[] {apdu[0], (byte) 0xC0, 0, 0, (byte) sw}, "GET RESPONSE after SELECT");
            sw = StoreData.statusWord(r);
        }
        if (sw != StatusWord.OK) {
            throw new Es10Exception("SELECT of the ISD-R answered " + StatusWord.hex(sw), sw);
        }
        return ch;
    }

    /** The channel in use. */
    public int channel() {
        return channel;
    }

    /** Sends one ES10 request (its DER) and returns the response's DER (empty when the card sent none). */
    public byte[] send(byte[] request) throws Es10Exception {
        if (channel < 0) {
            throw new IllegalStateException("no logical channel open: call open() or useChannel() first");
        }
        List<byte[]> commands = StoreData.commands(channel, request, blockSize);
        byte[] last = null;
        for (int i = 0; i < commands.size(); i++) {
            last = exchange(commands.get(i), "STORE DATA block " + i);
            int sw = StoreData.statusWord(last);
            if (i < commands.size() - 1) {
                if (sw != StatusWord.OK) {
                    throw new Es10Exception(String.format("STORE DATA block %d of %d answered %s", i, commands.size(),
                        StatusWord.hex(sw)), sw);
                }
            }
        }
        return collect(last, "STORE DATA last block");
    }

    /**
     * Loads a bound profile package: each segment as its own STORE DATA sequence. Stops at the first segment
     * answered with data (the ProfileInstallationResult, normally after the last segment, earlier on error).
     */
    public ProfileInstallationResult loadBoundProfilePackage(BoundProfilePackage bpp) throws Es10Exception {
        List<Segment> segments = bpp.segments();
        for (int i = 0; i < segments.size(); i++) {
            byte[] answer = send(segments.get(i).bytes());
            if (answer.length > 0) {
                Logger.debug("BPP segment {} of {} answered with {} bytes", i + 1, segments.size(), answer.length);
                return ProfileInstallationResult.decode(answer);
            }
        }
        throw new Es10Exception("the eUICC gave no ProfileInstallationResult after all " + segments.size() + " segments", -1);
    }

    private byte[] collect(byte[] response, String what) throws Es10Exception {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        byte[] r = response;
        for (int round = 0; ; round++) {
            int sw = StoreData.statusWord(r);
            data.writeBytes(StoreData.data(r));
            if (sw == StatusWord.OK) {
                return data.toByteArray();
            }
            if ((sw & 0xFF00) != StatusWord.MORE_DATA) {
                throw new Es10Exception(what + " answered " + StatusWord.hex(sw), sw);
            }
            if (round > 1000) {
                throw new Es10Exception(what + ": more than 1000 GET RESPONSE rounds", sw);
            }
            r = exchange(StoreData.getResponse(channel, sw & 0xFF), "GET RESPONSE");
        }
    }

    private byte[] exchange(byte[] apdu, String what) throws Es10Exception {
        byte[] r;
        try {
            r = transport.transmit(apdu);
        } catch (IOException e) {
            throw new Es10Exception(what + ": transport failed: " + e.getMessage(), e);
        }
        if (r == null || r.length < 2) {
            throw new Es10Exception(what + ": response of " + (r == null ? 0 : r.length) + " bytes has no status word", -1);
        }
        return r;
    }

    /** Closes the logical channel (MANAGE CHANNEL close); channel 0 is never closed. */
    @Override
    public void close() throws Es10Exception {
        if (channel > 0) {
            byte[] r = exchange(new byte[] {0x00, 0x70, (byte) 0x80, (byte) channel, 0x00}, "MANAGE CHANNEL close");
            channel = -1;
            int sw = StoreData.statusWord(r);
            if (sw != StatusWord.OK) {
                throw new Es10Exception("MANAGE CHANNEL close answered " + StatusWord.hex(sw), sw);
            }
        }
    }
}
