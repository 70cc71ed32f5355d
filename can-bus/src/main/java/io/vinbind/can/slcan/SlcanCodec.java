package io.vinbind.can.slcan;

import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The Lawicel SLCAN ASCII protocol, apart from any serial port: frame ↔ line encoding and splitting of
 * the received byte stream into tokens. Lines end with CR (LF is tolerated and ignored); BEL is a token of
 * its own.
 * <pre>
 * tIIILDD..      11-bit data frame: 3 hex id digits, DLC digit, 2 hex digits per byte
 * TIIIIIIIILDD.. 29-bit data frame: 8 hex id digits
 * rIIIL / RIIIIIIIIL   remote frames
 * ... optionally followed by a 4-hex-digit timestamp (ms) when the adapter has timestamps on
 * </pre>
 */
final class SlcanCodec {

    static final byte CR = '\r';
    static final byte LF = '\n';
    static final byte BEL = 0x07;
    /** Longest valid line: {@code T} + 8 + 1 + 16 + 4 timestamp = 30 characters; anything far longer is noise. */
    static final int MAX_LINE = 64;

    private final StringBuilder partial = new StringBuilder();
    private boolean discarding;

    /** {@code t7E8803621F190...\r}. */
    static byte[] encode(CanFrame frame) {
        StringBuilder s = new StringBuilder(32);
        boolean ext = frame.id().extended();
        s.append(frame.remote() ? (ext ? 'R' : 'r') : (ext ? 'T' : 't'));
        s.append(frame.id().toString());
        s.append((char) ('0' + frame.dlc()));
        for (byte b : frame.data()) {
            s.append(String.format(Locale.ROOT, "%02X", b & 0xFF));
        }
        s.append('\r');
        return s.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Host command bytes: {@code command} + CR. */
    static byte[] command(String command) {
        return (command + "\r").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Feeds received bytes; returns the complete tokens they finish, in order. A line split across reads is
     * kept until its CR arrives. Over-long lines are reported once as garbage and skipped to the next CR.
     */
    List<SlcanMessage> feed(byte[] buffer, int length) {
        List<SlcanMessage> out = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            byte b = buffer[i];
            if (b == BEL) {
                out.add(new SlcanMessage.Error());
            } else if (b == CR) {
                if (discarding) {
                    discarding = false;
                } else {
                    out.add(decode(partial.toString()));
                }
                partial.setLength(0);
            } else if (b != LF && !discarding) {
                partial.append((char) (b & 0xFF));
                if (partial.length() > MAX_LINE) {
                    out.add(new SlcanMessage.Garbage(partial.substring(0, 16) + "...",
                            "line longer than " + MAX_LINE + " characters without CR"));
                    partial.setLength(0);
                    discarding = true;
                }
            }
        }
        return out;
    }

    /** Classifies one line (without its CR). */
    static SlcanMessage decode(String line) {
        if (line.isEmpty() || line.equals("z") || line.equals("Z")) {
            return new SlcanMessage.Ack(line);
        }
        char kind = line.charAt(0);
        switch (kind) {
            case 't':
                return decodeFrame(line, false, false);
            case 'T':
                return decodeFrame(line, true, false);
            case 'r':
                return decodeFrame(line, false, true);
            case 'R':
                return decodeFrame(line, true, true);
            case 'O': case 'C': case 'L': case 'S': case 's': case 'V': case 'v': case 'N': case 'F':
            case 'Z': case 'M': case 'm': case 'W': case 'X': case 'U': case 'Q':
                return new SlcanMessage.Other(line);
            default:
                return new SlcanMessage.Garbage(line, "unknown SLCAN command '" + kind + "'");
        }
    }

    private static SlcanMessage decodeFrame(String line, boolean extended, boolean remote) {
        int idDigits = extended ? 8 : 3;
        if (line.length() < 1 + idDigits + 1) {
            return new SlcanMessage.Garbage(line, "frame line too short for identifier and DLC");
        }
        long idValue = hex(line, 1, 1 + idDigits);
        if (idValue < 0) {
            return new SlcanMessage.Garbage(line, "identifier is not hexadecimal");
        }
        if (idValue > (extended ? CanId.MAX_EXTENDED : CanId.MAX_STANDARD)) {
            return new SlcanMessage.Garbage(line, "identifier out of range");
        }
        char dlcChar = line.charAt(1 + idDigits);
        if (dlcChar < '0' || dlcChar > '8') {
            return new SlcanMessage.Garbage(line, "DLC '" + dlcChar + "' is not 0..8");
        }
        int dlc = dlcChar - '0';
        int dataStart = 2 + idDigits;
        int dataChars = remote ? 0 : 2 * dlc;
        int base = dataStart + dataChars;
        OptionalInt timestamp = OptionalInt.empty();
        if (line.length() == base + 4) {
            long ts = hex(line, base, base + 4);
            if (ts < 0) {
                return new SlcanMessage.Garbage(line, "timestamp is not hexadecimal");
            }
            timestamp = OptionalInt.of((int) ts);
        } else if (line.length() != base) {
            return new SlcanMessage.Garbage(line, "length " + line.length() + " does not match DLC " + dlc
                    + " (expected " + base + " or " + (base + 4) + " with timestamp)");
        }
        CanId id = new CanId((int) idValue, extended);
        if (remote) {
            return new SlcanMessage.Frame(CanFrame.remote(id, dlc), timestamp);
        }
        byte[] data = new byte[dlc];
        for (int i = 0; i < dlc; i++) {
            long v = hex(line, dataStart + 2 * i, dataStart + 2 * i + 2);
            if (v < 0) {
                return new SlcanMessage.Garbage(line, "data byte " + i + " is not hexadecimal");
            }
            data[i] = (byte) v;
        }
        return new SlcanMessage.Frame(CanFrame.of(id, data), timestamp);
    }

    /** Parses hex digits [from, to); -1 when any is not a hex digit. */
    private static long hex(String s, int from, int to) {
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }
}
