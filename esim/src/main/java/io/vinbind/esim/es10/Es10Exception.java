package io.vinbind.esim.es10;

/**
 * An ES10 exchange failed below the ES10 data: the card answered a status word other than 9000 / 61xx, the
 * transport failed, or the answer was malformed. Names the command and what arrived.
 */
public final class Es10Exception extends Exception {

    private final int statusWord;

    public Es10Exception(String message, int statusWord) {
        super(message);
        this.statusWord = statusWord;
    }

    public Es10Exception(String message, Throwable cause) {
        super(message, cause);
        this.statusWord = -1;
    }

    /** The status word the card answered, or -1 when none arrived. */
    public int statusWord() {
        return statusWord;
    }
}
