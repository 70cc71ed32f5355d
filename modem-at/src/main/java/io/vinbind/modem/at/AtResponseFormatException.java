package io.vinbind.modem.at;

import java.util.List;

/** The modem answered {@code OK} but the information text does not have the shape the standard gives. */
public class AtResponseFormatException extends AtException {

    public AtResponseFormatException(String command, List<String> rawLines, String message) {
        super(command, rawLines, message, null);
    }
}
