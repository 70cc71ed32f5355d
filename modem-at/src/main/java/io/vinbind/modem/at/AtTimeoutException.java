package io.vinbind.modem.at;

import java.time.Duration;
import java.util.List;

/** No final result code arrived within the command's timeout. */
public final class AtTimeoutException extends AtException {

    private final Duration timeout;

    public AtTimeoutException(String command, List<String> rawLines, Duration timeout) {
        super(command, rawLines, "no final result code within " + timeout.toMillis() + " ms", null);
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }
}
