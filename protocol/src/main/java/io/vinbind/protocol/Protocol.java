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
     * Largest binding payload (login, bind and their acks), in bytes, either side accepts. The largest legal v2 payload (a bind request with
     * maximal identifiers) is 325 bytes; 1 KiB leaves headroom while bounding what a misbehaving
     * client can make the server parse.
     */
    public static final int MAX_PAYLOAD_BYTES = 1024;

    /**
     * Largest {@link EsimBatch} payload: {@link EsimBatch#MAX_APDUS} STORE DATA blocks of 255 bytes written as hex
     * (522 characters each with header and quotes) take about 134 KiB; 160 KiB bounds that with room for the other
     * fields and stays below the broker's 256 KiB packet limit.
     */
    public static final int MAX_BATCH_BYTES = 160 * 1024;

    /** Largest {@link StatusReport}: {@link StatusReport#MAX_RECORDS} records of at most 200 characters, quoted. */
    public static final int MAX_STATUS_BYTES = 24 * 1024;

    /**
     * Largest {@link EsimResult} payload: responses are mostly 9000, but ES10 answers joined from GET RESPONSE
     * rounds (a profile list, EUICCInfo2, a pending notification) reach a few KiB each.
     */
    public static final int MAX_RESULT_BYTES = 200 * 1024;

    /**
     * MQTT QoS for every vinbind message: at least once. Duplicates are harmless because requests are
     * idempotent by {@code requestId}; loss is not acceptable for a bind.
     */
    public static final int QOS = 1;

    private Protocol() {
    }
}
