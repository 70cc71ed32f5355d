package io.vinbind.server.history;

/** What a history row records. */
public enum HistoryEvent {
    /** An unbound IMSI was bound to a VIN (rule 3). */
    BOUND,
    /** An IMSI was bound to a VIN after the old pair(s) were released (rules 2 and 4). */
    REBOUND,
    /** A pair was released because its IMSI or VIN was rebound; previous values name the old pair. */
    RELEASED,
    /** After-sales removed a binding through the API. */
    UNBOUND,
    /** A rebind was refused by the {@code reject} policy. */
    REBIND_REJECTED,
    /** A rebind was held for approval by the {@code hold} policy. */
    REBIND_HELD,
    /** An operator approved a held rebind (followed by its REBOUND or BOUND row). */
    REBIND_APPROVED,
    /** An operator rejected a held rebind. */
    REBIND_DENIED,
    /** A held rebind was replaced by a newer upload from the same IMSI before anyone decided. */
    REBIND_SUPERSEDED,
    /** A login reported an ICCID other than the registry's, and it was let through: the SIM was swapped. */
    SIM_SWAP,
    /** A login reported an IMEI other than the registry's, and it was let through: the modem was swapped. */
    MODEM_SWAP,
    /** A terminal logged in for the first time. */
    TERMINAL_FIRST_SEEN,
    /** A known terminal logged in with another registered IMSI: its modem was replaced (previous IMSI named). */
    MODEM_REPLACED,
    /**
     * A terminal moved to the IMSI of a profile switch the server ordered (eSIM relay): at its login, and when its
     * binding followed (previous IMSI named); never counted as a replaced modem.
     */
    PROFILE_SWITCHED,
    /**
     * A terminal bound a VIN that was bound through another terminal: the terminal in that vehicle was
     * replaced (previous terminal and IMSI named).
     */
    TERMINAL_REPLACED,
    /** An IMSI another terminal held was let through for this one (previous terminal named). */
    IMSI_MOVED,
    /** Identities contradicting what the server knows were held for an operator (detail says which). */
    IDENTITY_HELD,
    /** Identities contradicting what the server knows were refused by the identity policy. */
    IDENTITY_REFUSED,
    /** An operator approved a held or refused identity; the terminal's next login with it is accepted. */
    IDENTITY_APPROVED,
    /** An operator denied a held identity. */
    IDENTITY_DENIED,
    /** A terminal's credential was revoked; the server refuses its requests from then on. */
    TERMINAL_REVOKED
}
