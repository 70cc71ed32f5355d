package io.vinbind.modem;

import java.util.Optional;

/** The {@code <stat>} of {@code +CREG/+CGREG/+CEREG/+C5GREG} (3GPP TS 27.007 §7.2, §10.1.20, §10.1.22). */
public enum RegistrationState {
    /** 0: not registered, not searching. */
    NOT_SEARCHING(0),
    /** 1: registered, home network. */
    HOME(1),
    /** 2: not registered, searching. */
    SEARCHING(2),
    /** 3: registration denied (e.g. SIM not provisioned, IMSI barred): waiting longer will not help. */
    DENIED(3),
    /** 4: unknown (e.g. out of coverage). */
    UNKNOWN(4),
    /** 5: registered, roaming. */
    ROAMING(5),
    /** 6: registered for SMS only, home. */
    HOME_SMS_ONLY(6),
    /** 7: registered for SMS only, roaming. */
    ROAMING_SMS_ONLY(7),
    /** 8: attached for emergency bearer services only. */
    EMERGENCY_ONLY(8),
    /** 9: registered for CSFB not preferred, home. */
    HOME_CSFB_NOT_PREFERRED(9),
    /** 10: registered for CSFB not preferred, roaming. */
    ROAMING_CSFB_NOT_PREFERRED(10);

    private final int stat;

    RegistrationState(int stat) {
        this.stat = stat;
    }

    public int stat() {
        return stat;
    }

    /** Registered with data service: home or roaming (SMS-only and emergency do not carry IP traffic). */
    public boolean isRegistered() {
        return this == HOME || this == ROAMING || this == HOME_CSFB_NOT_PREFERRED || this == ROAMING_CSFB_NOT_PREFERRED;
    }

    public boolean isRoaming() {
        return this == ROAMING || this == ROAMING_SMS_ONLY || this == ROAMING_CSFB_NOT_PREFERRED;
    }

    public static Optional<RegistrationState> fromStat(int stat) {
        for (RegistrationState s : values()) {
            if (s.stat == stat) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
