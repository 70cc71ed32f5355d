package io.vinbind.modem.at;

import java.util.List;

/**
 * The modem reset ({@code RDY}, or the port vanished and returned) while the command was outstanding; its
 * effect is unknown and the modem needs re-initialising.
 */
public final class AtResetException extends AtException {

    public AtResetException(String command, List<String> rawLines, String what) {
        super(command, rawLines, "modem reset while the command was outstanding: " + what, null);
    }
}
