package io.vinbind.protocol;

/**
 * Constants of the wire contract that both sides must agree on.
 */
public final class Protocol {

    /**
     * The payload version this code writes and the only one it reads. Every payload carries it in its
     * {@code version} field; because decoding is strict (unknown fields are refused), any change to a
     * payload's fields is a new version, and a receiver refuses versions it does not know with
     * {@link ReasonCode#UNSUPPORTED_VERSION} instead of guessing.
     */
    public static final int VERSION = 2;

    /**
     * Largest payload, in bytes, either side accepts. The largest legal v2 payload (a bind request with
     * maximal identifiers) is 325 bytes; 1 KiB leaves headroom while bounding what a misbehaving
     * client can make the server parse.
     */
    public static final int MAX_PAYLOAD_BYTES = 1024;

    /**
     * MQTT QoS for every vinbind message: at least once. Duplicates are harmless because requests are
     * idempotent by {@code requestId}; loss is not acceptable for a bind.
     */
    public static final int QOS = 1;

    private Protocol() {
    }
}
