package io.vinbind.server.registry;

/** What importing one CSV line did. */
public enum ImportStatus {
    /** A new modem was registered. */
    ADDED,
    /** The modem was registered with exactly these values; nothing written. */
    UNCHANGED,
    /** The modem was registered with other values, which were replaced. */
    UPDATED,
    /** The line was refused (the reason says why); nothing written for it. */
    REJECTED
}
