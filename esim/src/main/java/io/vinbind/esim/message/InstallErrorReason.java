package io.vinbind.esim.message;

/** SGP.22 {@code ErrorReason} of a ProfileInstallationResult. */
public enum InstallErrorReason {
    INCORRECT_INPUT_VALUES(1), INVALID_SIGNATURE(2), INVALID_TRANSACTION_ID(3), UNSUPPORTED_CRT_VALUES(4),
    UNSUPPORTED_REMOTE_OPERATION_TYPE(5), UNSUPPORTED_PROFILE_CLASS(6), SCP03T_STRUCTURE_ERROR(7),
    SCP03T_SECURITY_ERROR(8), ICCID_ALREADY_EXISTS(9), INSUFFICIENT_MEMORY(10), INTERRUPTION(11),
    PE_PROCESSING_ERROR(12), DATA_MISMATCH(13), INVALID_NAA_KEY(14), PPR_NOT_ALLOWED(15), UNKNOWN_ERROR(127);

    private final int value;

    InstallErrorReason(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static InstallErrorReason of(long value) {
        for (InstallErrorReason c : values()) {
            if (c.value == value) {
                return c;
            }
        }
        return UNKNOWN_ERROR;
    }
}
