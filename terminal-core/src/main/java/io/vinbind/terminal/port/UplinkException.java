package io.vinbind.terminal.port;

import java.util.Objects;

/** The uplink to the binding server failed. Names the broker and what happened. */
public final class UplinkException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** Connection refused, unreachable, a TLS failure other than a certificate, or a CONNACK failure. */
        BROKER_UNREACHABLE,
        /**
         * The terminal refused the broker's TLS certificate: it does not chain to {@code mqtt.ca-file} (another
         * CA, self-signed, expired) or does not name the host of {@code mqtt.broker} (host-name verification).
         * Either the configuration is wrong or something between the terminal and the broker pretends to be it.
         */
        BROKER_CERTIFICATE_REFUSED,
        /**
         * The broker refused the terminal's TLS certificate during the handshake (a TLS alert such as
         * {@code unknown_ca}, {@code bad_certificate}, {@code certificate_revoked}, {@code certificate_expired}):
         * the certificate is not from the terminal CA the broker trusts, is revoked or has expired.
         */
        TERMINAL_CERTIFICATE_REFUSED,
        /** The broker refused this client after the handshake (CONNACK not authorised, bad user name). */
        NOT_AUTHORISED,
        /** A publish or subscribe was not accepted. */
        PUBLISH_FAILED,
        /** An established connection dropped. */
        CONNECTION_LOST
    }

    private final Kind kind;

    public UplinkException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
