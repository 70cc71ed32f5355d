package io.vinbind.protocol;

/**
 * Why the terminal uploads a VIN: the event that set its persisted VIN-request flag. The server records it
 * in the binding history (it explains a rebind to after-sales); it never changes the binding rules.
 */
public enum UploadReason {
    /** First power-up after assembly: the terminal has never been bound. */
    ASSEMBLY,
    /** The modem (IMSI/ICCID/IMEI) differs from the one last bound: the modem or SIM was replaced. */
    MODEM_REPLACED,
    /** The terminal itself was replaced (a new unit in an existing vehicle). */
    TERMINAL_REPLACED,
    /** The VIN read from the vehicle differs from the one last bound: the unit moved to another vehicle. */
    VIN_CHANGED,
    /** A workshop asked for a re-upload (e.g. after repairs), without any detected change. */
    SERVICE,
    /** The terminal's persisted state could not be read, so it uploads to be safe. */
    STATE_LOST,
    /**
     * The eUICC enabled another profile (a switch the server ordered through the eSIM relay), so the IMSI changed
     * while modem and SIM stayed: the server moves the binding to the new IMSI as the change it ordered, never as a
     * replaced modem.
     */
    PROFILE_SWITCHED
}
