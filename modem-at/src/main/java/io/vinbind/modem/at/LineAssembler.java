package io.vinbind.modem.at;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Turns the byte stream into lines. Lines end at CR or LF (modems send CR LF, echo ends with CR only),
 * empty lines are skipped, a line may arrive in any number of reads and one read may hold many lines.
 *
 * <p>A line longer than the limit is dropped up to its terminator, and a line containing bytes outside
 * printable IRA (ITU-T T.50, the character set AT uses unless {@code +CSCS} says otherwise) is dropped as
 * line noise; both with a reason, so garbage never turns into a bogus response line. Not thread-safe: the
 * engine's reader thread owns it.
 */
final class LineAssembler {

    interface Sink {
        void line(String line);

        void dropped(String reason);
    }

    private static final int EXCERPT = 24;

    private final byte[] buf;
    private final Sink sink;
    private int len;
    private long oversizedBytes;

    LineAssembler(int maxLineLength, Sink sink) {
        if (maxLineLength < 16) {
            throw new IllegalArgumentException("maxLineLength must be >= 16: " + maxLineLength);
        }
        this.buf = new byte[maxLineLength];
        this.sink = sink;
    }

    void feed(byte[] data, int off, int n) {
        for (int i = off; i < off + n; i++) {
            byte b = data[i];
            if (b == '\r' || b == '\n') {
                finishLine();
            } else if (oversizedBytes > 0) {
                oversizedBytes++;
            } else if (len == buf.length) {
                oversizedBytes = len + 1L;
            } else {
                buf[len++] = b;
            }
        }
    }

    /** Forgets a partial line (after the link dropped: the rest of it is never coming). */
    void reset() {
        if (len > 0 || oversizedBytes > 0) {
            sink.dropped("partial line discarded on link reset: " + excerpt());
        }
        len = 0;
        oversizedBytes = 0;
    }

    private void finishLine() {
        if (oversizedBytes > 0) {
            sink.dropped("oversized line of " + oversizedBytes + " bytes (limit " + buf.length + "): " + excerpt());
            oversizedBytes = 0;
            len = 0;
            return;
        }
        if (len == 0) {
            return;
        }
        for (int i = 0; i < len; i++) {
            int b = buf[i] & 0xff;
            if ((b < 0x20 && b != '\t') || b > 0x7e) {
                sink.dropped(String.format(Locale.ROOT, "garbage line: byte 0x%02x at offset %d: %s", b, i, excerpt()));
                len = 0;
                return;
            }
        }
        String line = new String(buf, 0, len, StandardCharsets.US_ASCII).strip();
        len = 0;
        if (!line.isEmpty()) {
            sink.line(line);
        }
    }

    private String excerpt() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(len, EXCERPT); i++) {
            int b = buf[i] & 0xff;
            if (b >= 0x20 && b <= 0x7e) {
                sb.append((char) b);
            } else {
                sb.append(String.format(Locale.ROOT, "\\x%02x", b));
            }
        }
        if (len > EXCERPT) {
            sb.append("...");
        }
        return "'" + sb + "'";
    }
}
