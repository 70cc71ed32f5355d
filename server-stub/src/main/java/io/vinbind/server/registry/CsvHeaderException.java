package io.vinbind.server.registry;

import io.vinbind.protocol.Identifiers;

/**
 * A CSV import's header is missing or wrong, so no line can be read; nothing was imported. The message
 * quotes the file, and it is logged and shown to the operator: every character outside printable ASCII in
 * it is written {@code \\uXXXX}.
 */
public final class CsvHeaderException extends Exception {

    public CsvHeaderException(String message) {
        super(Identifiers.escaped(message));
    }
}
