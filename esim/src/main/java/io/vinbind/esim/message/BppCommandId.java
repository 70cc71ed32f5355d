package io.vinbind.esim.message;

/** SGP.22 {@code BppCommandId}: which BPP command an installation error arose in. */
public enum BppCommandId {
    INITIALISE_SECURE_CHANNEL(0), CONFIGURE_ISDP(1), STORE_METADATA(2), STORE_METADATA2(3), REPLACE_SESSION_KEYS(4),
    LOAD_PROFILE_ELEMENTS(5);

    private final int value;

    BppCommandId(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static BppCommandId of(long value) {
        for (BppCommandId c : values()) {
            if (c.value == value) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown BppCommandId " + value);
    }
}
