package io.vinbind.modem.at;

import java.time.Instant;
import java.util.Objects;

/**
 * An unsolicited result code: a line the modem sent on its own (27.007 §3: "unsolicited result code").
 *
 * @param kind       what it is about, {@link UrcKind#UNKNOWN} for lines nobody recognised
 * @param line       the line as received
 * @param receivedAt when it was read
 */
public record Urc(UrcKind kind, String line, Instant receivedAt) {

    public Urc {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(line, "line");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The text after the first colon, stripped ({@code "+CEREG: 1,..."} → {@code "1,..."}), or "" if none. */
    public String payload() {
        int c = line.indexOf(':');
        return c < 0 ? "" : line.substring(c + 1).strip();
    }
}
