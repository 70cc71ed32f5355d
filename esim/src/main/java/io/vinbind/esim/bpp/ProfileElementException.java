package io.vinbind.esim.bpp;

/**
 * A profile package's profile elements are malformed or inconsistent: names the element (by position and
 * type) and what was wrong. An eUICC answers it with errorReason installFailedDueToPEProcessingError (12).
 */
public final class ProfileElementException extends Exception {

    private final int elementIndex;

    public ProfileElementException(int elementIndex, String message) {
        super("profile element #" + elementIndex + ": " + message);
        this.elementIndex = elementIndex;
    }

    /** Position of the offending element in the sequence, from 0. */
    public int elementIndex() {
        return elementIndex;
    }
}
