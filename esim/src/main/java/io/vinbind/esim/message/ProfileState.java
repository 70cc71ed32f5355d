package io.vinbind.esim.message;

/** SGP.22 {@code ProfileState}. */
public enum ProfileState {
    DISABLED(0), ENABLED(1);

    private final int value;

    ProfileState(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static ProfileState of(long v) {
        if (v == 0) {
            return DISABLED;
        }
        if (v == 1) {
            return ENABLED;
        }
        throw new IllegalArgumentException("unknown ProfileState " + v);
    }
}
