package io.vinbind.terminal.machine;

import java.time.Duration;

/** A step of a binding attempt did not finish within its bound. Names the step and the bound. */
public final class StepTimeoutException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String step;
    private final Duration timeout;

    public StepTimeoutException(String step, Duration timeout) {
        super(step + " did not complete within " + timeout.toMillis() + " ms");
        this.step = step;
        this.timeout = timeout;
    }

    public String step() {
        return step;
    }

    public Duration timeout() {
        return timeout;
    }
}
