package io.vinbind.can.uds;

/** No (final) answer in time: P2, P2* after a response-pending, or the overall request timeout. */
public class UdsTimeoutException extends UdsException {

    /** Which timer ran out. */
    public enum Timer { P2, P2_STAR, OVERALL }

    private final Timer timer;
    private final int pendingResponses;

    public UdsTimeoutException(String message, Timer timer, int pendingResponses) {
        super(message);
        this.timer = timer;
        this.pendingResponses = pendingResponses;
    }

    public Timer timer() {
        return timer;
    }

    /** How many NRC 0x78 arrived before the timer ran out. */
    public int pendingResponses() {
        return pendingResponses;
    }
}
