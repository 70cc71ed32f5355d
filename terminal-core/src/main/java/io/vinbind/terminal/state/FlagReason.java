package io.vinbind.terminal.state;

/** Why the VIN-request flag was set: recorded with the flag so logs and after-sales can tell. */
public enum FlagReason {
    /** No state file: a terminal fresh from assembly that has never bound. */
    ASSEMBLY,
    /** The modem's IMSI or ICCID differs from the last bound one: modem or SIM replaced. */
    MODEM_REPLACED,
    /** The VIN read from the smart key differs from the last bound one: terminal moved to another vehicle. */
    VIN_CHANGED,
    /** A technician asked for a new binding ({@code ./vinbind terminal request-bind}). */
    SERVICE_REQUEST,
    /** The state file could not be read or was corrupt; it was kept aside and the terminal binds again. */
    STATE_UNREADABLE,
    /**
     * The eUICC enabled another profile through the server's relay (and the card was refreshed): the IMSI changed
     * while modem and SIM stayed. Set before the identity is read again, so the change is never taken for
     * {@link #MODEM_REPLACED}.
     */
    PROFILE_SWITCHED
}
