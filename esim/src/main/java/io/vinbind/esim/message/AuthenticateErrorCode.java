package io.vinbind.esim.message;

/** SGP.22 {@code AuthenticateErrorCode}: why an eUICC refused ES10b.AuthenticateServer. */
public enum AuthenticateErrorCode {
    INVALID_CERTIFICATE(1), INVALID_SIGNATURE(2), UNSUPPORTED_CURVE(3), NO_SESSION_CONTEXT(4), INVALID_OID(5),
    EUICC_CHALLENGE_MISMATCH(6), CI_PK_UNKNOWN(7), UNDEFINED_ERROR(127);

    private final int value;

    AuthenticateErrorCode(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The code with this value; unknown values map to {@link #UNDEFINED_ERROR}. */
    public static AuthenticateErrorCode of(int value) {
        for (AuthenticateErrorCode c : values()) {
            if (c.value == value) {
                return c;
            }
        }
        return UNDEFINED_ERROR;
    }
}
