package io.vinbind.server.registry;

/** A CSV import's header is missing or wrong, so no line can be read; nothing was imported. */
public final class CsvHeaderException extends Exception {

    public CsvHeaderException(String message) {
        super(message);
    }
}
