package io.vinbind.modem;

import java.util.Optional;

/** The {@code <AcT>} field of {@code +COPS} and the registration reports (3GPP TS 27.007 §7.3). */
public enum AccessTechnology {
    GSM(0, "2G"),
    GSM_COMPACT(1, "2G"),
    UTRAN(2, "3G"),
    GSM_EGPRS(3, "2G"),
    UTRAN_HSDPA(4, "3G"),
    UTRAN_HSUPA(5, "3G"),
    UTRAN_HSPA(6, "3G"),
    E_UTRAN(7, "4G"),
    EC_GSM_IOT(8, "2G"),
    E_UTRAN_NB_S1(9, "NB-IoT"),
    E_UTRA_5GCN(10, "4G"),
    NR_5GCN(11, "5G"),
    NG_RAN(12, "5G"),
    E_UTRA_NR_DUAL(13, "5G");

    private final int code;
    private final String generation;

    AccessTechnology(int code, String generation) {
        this.code = code;
        this.generation = generation;
    }

    public int code() {
        return code;
    }

    /** "2G", "3G", "4G", "5G" or "NB-IoT", for display. */
    public String generation() {
        return generation;
    }

    public static Optional<AccessTechnology> fromCode(int code) {
        for (AccessTechnology a : values()) {
            if (a.code == code) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
