package io.vinbind.terminal.port;

import java.util.Objects;

/** The uplink to the binding server failed. Names the broker and what happened. */
public final class UplinkException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** Connection refused, unreachable, TLS or CONNACK failure. */
        BROKER_UNREACHABLE,
        /** The broker refused this client (bad credentials, not authorised). */
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
