package io.vinbind.can.uds;

import java.util.Locale;
import java.util.Optional;

/** Negative response codes of ISO 14229-1 (Annex A.1) that an ECU may answer a request with. */
public enum Nrc {
    GENERAL_REJECT(0x10),
    SERVICE_NOT_SUPPORTED(0x11),
    SUB_FUNCTION_NOT_SUPPORTED(0x12),
    /** Request length or format wrong, e.g. a 0x22 without a whole DID. */
    INCORRECT_MESSAGE_LENGTH_OR_INVALID_FORMAT(0x13),
    RESPONSE_TOO_LONG(0x14),
    BUSY_REPEAT_REQUEST(0x21),
    /** The ECU cannot answer now, e.g. the smart-key ECU before the immobiliser is ready. */
    CONDITIONS_NOT_CORRECT(0x22),
    REQUEST_SEQUENCE_ERROR(0x24),
    NO_RESPONSE_FROM_SUBNET_COMPONENT(0x25),
    FAILURE_PREVENTS_EXECUTION_OF_REQUESTED_ACTION(0x26),
    /** The DID is not supported. */
    REQUEST_OUT_OF_RANGE(0x31),
    SECURITY_ACCESS_DENIED(0x33),
    INVALID_KEY(0x35),
    EXCEEDED_NUMBER_OF_ATTEMPTS(0x36),
    REQUIRED_TIME_DELAY_NOT_EXPIRED(0x37),
    UPLOAD_DOWNLOAD_NOT_ACCEPTED(0x70),
    TRANSFER_DATA_SUSPENDED(0x71),
    GENERAL_PROGRAMMING_FAILURE(0x72),
    WRONG_BLOCK_SEQUENCE_COUNTER(0x73),
    /** Not a refusal: the ECU needs more time; wait up to P2* for the real answer (ISO 14229-1, 7.5). */
    REQUEST_CORRECTLY_RECEIVED_RESPONSE_PENDING(0x78),
    SUB_FUNCTION_NOT_SUPPORTED_IN_ACTIVE_SESSION(0x7E),
    SERVICE_NOT_SUPPORTED_IN_ACTIVE_SESSION(0x7F);

    private final int code;

    Nrc(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The NRC for a byte, empty for codes this enum does not name (reserved or manufacturer specific). */
    public static Optional<Nrc> fromCode(int code) {
        for (Nrc n : values()) {
            if (n.code == code) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** Parses a name ({@code conditions_not_correct}) or a code ({@code 0x22}). */
    public static int parseCode(String text) {
        String t = text.trim();
        try {
            int code = Integer.decode(t);
            if (code < 0 || code > 0xFF) {
                throw new IllegalArgumentException("NRC " + text + " is not a byte");
            }
            return code;
        } catch (NumberFormatException e) {
            try {
                return valueOf(t.toUpperCase(Locale.ROOT).replace('-', '_')).code;
            } catch (IllegalArgumentException e2) {
                throw new IllegalArgumentException("NRC '" + text + "' is neither a byte (0x22) nor a known name", e2);
            }
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "0x%02X %s", code, name().toLowerCase(Locale.ROOT));
    }
}
