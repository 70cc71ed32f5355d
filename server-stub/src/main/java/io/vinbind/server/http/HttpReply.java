package io.vinbind.server.http;

import java.util.Map;
import java.util.Objects;

/**
 * An answer for the transport to write: status, content type, body, and any further header fields.
 */
record HttpReply(int status, String contentType, byte[] body, Map<String, String> headers, EventStream stream) {

    HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {
        this(status, contentType, body, headers, null);
    }

    /** A 200 whose body is {@code stream}'s events, for as long as the client stays. */
    static HttpReply events(EventStream stream) {
        return new HttpReply(200, "text/event-stream; charset=utf-8", new byte[0],
            Map.of("Cache-Control", "no-cache", "X-Accel-Buffering", "no"), java.util.Objects.requireNonNull(stream));
    }

    HttpReply {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status " + status);
        }
        Objects.requireNonNull(contentType, "contentType");
        body = body.clone();
        headers = Map.copyOf(headers);
    }

    static HttpReply json(int status, byte[] body) {
        return new HttpReply(status, "application/json; charset=utf-8", body, Map.of());
    }

    @Override
    public byte[] body() {
        return body.clone();
    }
}
