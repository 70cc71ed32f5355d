package io.vinbind.modem.at;

import java.util.List;

/** The serial link failed or vanished while the command was being sent or answered. */
public final class AtLinkException extends AtException {

    public AtLinkException(String command, List<String> rawLines, String message, Throwable cause) {
        super(command, rawLines, message, cause);
    }
}
