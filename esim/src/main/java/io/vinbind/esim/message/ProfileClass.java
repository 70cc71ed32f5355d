package io.vinbind.esim.message;

/** SGP.22 {@code ProfileClass}. */
public enum ProfileClass {
    TEST(0), PROVISIONING(1), OPERATIONAL(2);

    private final int value;

    ProfileClass(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    public static ProfileClass of(long value) {
        for (ProfileClass c : values()) {
            if (c.value == value) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown ProfileClass " + value);
    }
}
