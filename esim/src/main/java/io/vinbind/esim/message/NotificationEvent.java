package io.vinbind.esim.message;

/** SGP.22 {@code NotificationEvent}: which profile operation a notification reports (one bit set). */
public enum NotificationEvent {
    INSTALL(0), ENABLE(1), DISABLE(2), DELETE(3);

    private final int bit;

    NotificationEvent(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public static NotificationEvent ofBit(int bit) {
        for (NotificationEvent e : values()) {
            if (e.bit == bit) {
                return e;
            }
        }
        throw new IllegalArgumentException("no NotificationEvent bit " + bit);
    }
}
