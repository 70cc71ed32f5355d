package io.vinbind.server.http;

import java.util.Map;
import java.util.Objects;

/**
 * An answer for the transport to write: status, content type, body, and any further header fields.
 */
record HttpReply(int status, String contentType, byte[] body, Map<String, String> headers) {

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
