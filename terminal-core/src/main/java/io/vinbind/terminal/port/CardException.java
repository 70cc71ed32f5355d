package io.vinbind.terminal.port;

import java.util.Objects;

/** A card operation through the modem failed; says what kind of failure and whether the APDU may have reached the card. */
public final class CardException extends Exception {

    /** What went wrong. */
    public enum Kind {
        /** The card has no application with the AID (+CME ERROR: 13 to AT+CCHO, 6A82 to SELECT): not an eUICC. */
        NO_SUCH_APPLICATION,
        /** No card, or the card does not answer (+CME ERROR: 10, SIM failure). */
        CARD_ABSENT,
        /** The modem answered ERROR, a CME error, or something malformed. */
        MODEM_ERROR,
        /** The modem did not answer within the deadline (or the link was lost, or the modem restarted). */
        TIMEOUT
    }

    private final Kind kind;
    private final boolean mayHaveReachedCard;

    public CardException(Kind kind, String message, boolean mayHaveReachedCard, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.mayHaveReachedCard = mayHaveReachedCard;
    }

    public Kind kind() {
        return kind;
    }

    /** True when the command may have reached the card although no answer came back (a plain ERROR, a timeout). */
    public boolean mayHaveReachedCard() {
        return mayHaveReachedCard;
    }
}
