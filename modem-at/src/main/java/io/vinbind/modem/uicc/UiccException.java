package io.vinbind.modem.uicc;

import io.vinbind.modem.at.AtException;
import io.vinbind.modem.at.FinalResult;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A UICC channel operation failed: the modem's answer was malformed (bad hex, a wrong length field, no status
 * word), the card refused a channel operation with a status word, or the modem refused the command. Names the
 * AT command, carries the lines that arrived, the {@link Reason}, the status word or final result code where
 * there was one, and whether the APDU may have reached the card anyway.
 *
 * <p>Timeouts, a lost link and a modem reset come as the engine's own {@code AtTimeoutException},
 * {@code AtLinkException} and {@code AtResetException}; for an APDU those too mean that it may have reached the
 * card.
 */
public final class UiccException extends AtException {

    /** What went wrong. */
    public enum Reason {
        /** The modem's answer has characters that are not hex digits, or an odd number of them. */
        BAD_HEX,
        /** The {@code <length>} field of {@code +CGLA}/{@code +CSIM} does not match the hex that follows it. */
        BAD_LENGTH,
        /** The answer carries fewer than the two bytes of a status word, or no {@code +CGLA}/{@code +CSIM} line at all. */
        NO_STATUS_WORD,
        /** {@code AT+CCHO} or MANAGE CHANNEL answered something that is not a usable channel number. */
        BAD_CHANNEL,
        /**
         * The card has no application with that AID: {@code +CME ERROR: 13} to {@code AT+CCHO} (what a SIM that is
         * not an eUICC gives for the ISD-R), or {@code 6A82} to the SELECT.
         */
        NO_SUCH_APPLICATION,
        /** No logical channel is free: {@code 6A81} to MANAGE CHANNEL. */
        NO_FREE_CHANNEL,
        /** The card answered MANAGE CHANNEL or SELECT with another status word. */
        CARD_REFUSED,
        /**
         * A plain {@code ERROR} to an APDU. Some firmware answers so in the middle of a profile download although the
         * card took the command (and the profile may still install): the APDU may have reached the card.
         */
        MODEM_ERROR,
        /** {@code +CME ERROR} to a channel command, e.g. an unknown session after the card was reset. */
        MODEM_REFUSED,
        /** The modem has neither the logical-channel commands nor {@code AT+CSIM}. */
        NOT_SUPPORTED,
        /** The channel was closed before this APDU. */
        CHANNEL_CLOSED,
        /** The card kept answering {@code 61xx} beyond {@link UiccConfig#maxGetResponses()}. */
        TOO_MANY_GET_RESPONSES
    }

    private final Reason reason;
    private final OptionalInt statusWord;
    private final Optional<FinalResult> result;
    private final boolean mayHaveReachedCard;

    public UiccException(String command, List<String> rawLines, Reason reason, String message, OptionalInt statusWord,
                         Optional<FinalResult> result, boolean mayHaveReachedCard) {
        super(command, rawLines, message, null);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.statusWord = Objects.requireNonNull(statusWord, "statusWord");
        this.result = Objects.requireNonNull(result, "result");
        this.mayHaveReachedCard = mayHaveReachedCard;
    }

    public Reason reason() {
        return reason;
    }

    /** The card's status word, for {@link Reason#NO_SUCH_APPLICATION}, {@link Reason#NO_FREE_CHANNEL}, {@link Reason#CARD_REFUSED}. */
    public OptionalInt statusWord() {
        return statusWord;
    }

    /** The modem's final result code, where it was not {@code OK}. */
    public Optional<FinalResult> result() {
        return result;
    }

    /**
     * True when the APDU may have been executed by the card although no usable answer came back (a plain
     * {@code ERROR}, a garbled answer): a caller must find out what happened (e.g. read the card's state) rather
     * than send it again blindly.
     */
    public boolean mayHaveReachedCard() {
        return mayHaveReachedCard;
    }
}
