package io.vinbind.server.http;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One whole HTTP request as the transport received it.
 *
 * @param method    request method, as sent
 * @param rawPath   path, still percent-encoded
 * @param rawQuery  query string after {@code ?}, still percent-encoded; null when there is none
 * @param headers   header fields by lower-case name (repeated fields joined with commas, RFC 9110 §5.3)
 * @param body      the request body (empty when there is none)
 * @param remote    the client's address
 * @param clientCertificate the verified TLS client certificate, when the client presented one
 */
record HttpRequestData(String method, String rawPath, String rawQuery, Map<String, String> headers, byte[] body,
                       InetSocketAddress remote, Optional<X509Certificate> clientCertificate) {

    HttpRequestData {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawPath, "rawPath");
        headers = Map.copyOf(headers);
        body = body.clone();
        Objects.requireNonNull(clientCertificate, "clientCertificate");
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** A header by name (any case). */
    Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
    }
}
