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
    /** A login reported an ICCID other than the registry's: the SIM was swapped. */
    SIM_SWAP,
    /** A login reported an IMEI other than the registry's: the modem was swapped. */
    MODEM_SWAP
}
