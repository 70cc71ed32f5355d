package io.vinbind.terminal.port;

import java.util.Objects;

/** A VIN read that produced no VIN text. Names what happened on the bus. */
public final class VinReadException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** No (complete) response within the UDS P2/P2* time: ECU silent, asleep or absent. */
        NO_RESPONSE,
        /** The ECU answered with a negative response ({@code 7F 22 NRC}, ISO 14229-1). */
        NEGATIVE_RESPONSE,
        /** A response arrived but is not a positive response for DID 0xF190 of plausible length. */
        MALFORMED_RESPONSE,
        /** The CAN channel failed (adapter unplugged, bus-off, closed). */
        BUS_ERROR
    }

    /** NRC 0x11 serviceNotSupported (ISO 14229-1): this ECU will never answer 0x22. */
    public static final int NRC_SERVICE_NOT_SUPPORTED = 0x11;
    /** NRC 0x31 requestOutOfRange: the ECU does not support DID 0xF190. */
    public static final int NRC_REQUEST_OUT_OF_RANGE = 0x31;

    private final Kind kind;
    private final int nrc;

    /** A failure without a negative response code. */
    public VinReadException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        if (kind == Kind.NEGATIVE_RESPONSE) {
            throw new IllegalArgumentException("use negativeResponse(nrc, ...) for NEGATIVE_RESPONSE");
        }
        this.nrc = -1;
    }

    private VinReadException(int nrc, String message) {
        super(message);
        this.kind = Kind.NEGATIVE_RESPONSE;
        this.nrc = nrc;
    }

    /** The ECU refused with {@code nrc} (0x00-0xFF). */
    public static VinReadException negativeResponse(int nrc, String message) {
        if (nrc < 0 || nrc > 0xFF) {
            throw new IllegalArgumentException("NRC must be 0x00-0xFF, was " + nrc);
        }
        return new VinReadException(nrc, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The negative response code, or -1 when {@link #kind()} is not NEGATIVE_RESPONSE. */
    public int nrc() {
        return nrc;
    }

    /**
     * True when trying again on this ignition cannot help: the ECU said it does not support the service
     * or the DID. NRC 0x22 conditionsNotCorrect (key not yet authenticated) and busy codes are transient.
     */
    public boolean isPermanent() {
        return kind == Kind.NEGATIVE_RESPONSE
                && (nrc == NRC_SERVICE_NOT_SUPPORTED || nrc == NRC_REQUEST_OUT_OF_RANGE);
    }
}
