package io.vinbind.modem.at;

import java.util.List;
import java.util.Objects;

/**
 * Base of every failure to get a usable answer to an AT command. Each names the command and carries the
 * raw lines that did arrive, so a log line shows what the modem actually said.
 */
public abstract class AtException extends Exception {

    private final String command;
    private final List<String> rawLines;

    protected AtException(String command, List<String> rawLines, String message, Throwable cause) {
        super(command + ": " + message + (rawLines.isEmpty() ? "" : " (received " + rawLines + ")"), cause);
        this.command = Objects.requireNonNull(command, "command");
        this.rawLines = List.copyOf(rawLines);
    }

    /** The command line concerned. */
    public String command() {
        return command;
    }

    /** The lines that arrived for it (without echo and URCs). */
    public List<String> rawLines() {
        return rawLines;
    }
}
