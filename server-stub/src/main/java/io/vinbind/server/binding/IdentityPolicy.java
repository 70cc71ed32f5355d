package io.vinbind.server.binding;

import java.util.Locale;

/**
 * What a login does whose identities contradict what the server knows: an IMSI that another terminal
 * holds, or an ICCID or IMEI other than the factory registry's. Either can be an ordinary event (a SIM moved
 * into another terminal in a workshop, a modem replaced without updating the registry) or an attack (a
 * terminal claiming a vehicle's IMSI with a made-up ICCID and IMEI): the deployment decides.
 */
public enum IdentityPolicy {
    /** Accepted and recorded in the history (SIM_SWAP, MODEM_SWAP, IMSI_MOVED). */
    ACCEPT,
    /**
     * Refused with the retryable IDENTITY_HELD and kept for an operator; once approved, the terminal's next
     * login with the same identities is accepted. The default: nothing changes without a person.
     */
    HOLD,
    /** Refused with IDENTITY_CONFLICT and recorded; an operator can still approve it. */
    REFUSE;

    /** From a command-line or configuration value ({@code accept}, {@code hold}, {@code refuse}). */
    public static IdentityPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("identity policy '" + text + "' is not accept, hold or refuse");
        }
    }
}
