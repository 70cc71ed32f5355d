package io.vinbind.server.http;

/** A request the API answers with an error status and {@code {"error": message}}. */
final class HttpError extends Exception {

    private final int status;

    HttpError(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
