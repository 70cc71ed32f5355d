package io.vinbind.can.slcan;

import io.vinbind.can.CanFrame;
import java.util.OptionalInt;

/**
 * One token read from an SLCAN adapter, as {@link SlcanCodec#decode} classifies it. The text of a token is
 * for logs, and what arrives on a serial port is anything: every byte outside printable ASCII in it is
 * written {@code \xHH}.
 */
sealed interface SlcanMessage {

    /** A received frame, {@code t/T/r/R...}, with the adapter's timestamp (ms, 0..0xEA5F) when enabled. */
    record Frame(CanFrame frame, OptionalInt timestamp) implements SlcanMessage {
    }

    /** An acknowledgement: a bare CR, or {@code z}/{@code Z} after a transmitted frame (auto-poll adapters). */
    record Ack(String line) implements SlcanMessage {
    }

    /** BEL (0x07): the adapter rejected the last command. */
    record Error() implements SlcanMessage {
    }

    /** A reply or a host command that is not a frame ({@code V1013}, {@code F00}, a peer's {@code O} or {@code S6}). */
    record Other(String line) implements SlcanMessage {
        public Other {
            line = printable(line);
        }
    }

    /** A line that cannot be understood; {@code reason} says why. */
    record Garbage(String line, String reason) implements SlcanMessage {
        public Garbage {
            line = printable(line);
            reason = printable(reason);
        }
    }

    /**
     * {@code text} as it may be logged: every character outside printable ASCII written {@code \xHH} (the line
     * holds bytes), whole (the reader bounds a line's length).
     */
    static String printable(String text) {
        return io.vinbind.log.Untrusted.escape(text, Integer.MAX_VALUE);
    }
}
