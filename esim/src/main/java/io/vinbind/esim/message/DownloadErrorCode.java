package io.vinbind.esim.message;

/** SGP.22 {@code DownloadErrorCode}: why an eUICC refused ES10b.PrepareDownload. */
public enum DownloadErrorCode {
    INVALID_CERTIFICATE(1), INVALID_SIGNATURE(2), UNSUPPORTED_CURVE(3), NO_SESSION_CONTEXT(4),
    INVALID_TRANSACTION_ID(5), UNDEFINED_ERROR(127);

    private final int value;

    DownloadErrorCode(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static DownloadErrorCode of(int value) {
        for (DownloadErrorCode c : values()) {
            if (c.value == value) {
                return c;
            }
        }
        return UNDEFINED_ERROR;
    }
}
