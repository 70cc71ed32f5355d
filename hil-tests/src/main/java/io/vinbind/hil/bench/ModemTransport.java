package io.vinbind.hil.bench;

import io.vinbind.modem.link.SocatPtyPair;

/** How the modem simulator and the terminal's AT engine are connected on the bench. */
public enum ModemTransport {
    /** A socat pty pair, opened through jSerialComm on both ends: the tty path of a USB modem's AT port. */
    PTY("AT over a pty pair (socat, jSerialComm)"),
    /** An in-memory serial link pair: no operating-system transport. */
    IN_JVM("in-JVM serial link");

    private final String description;

    ModemTransport(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Why this transport cannot run here (for a test's skip reason), or null when it can. */
    public String unavailableReason() {
        return this == PTY && !SocatPtyPair.socatAvailable()
                ? "skipped: socat is not installed, so no pty pair can carry the modem's AT port" : null;
    }

    @Override
    public String toString() {
        return description;
    }
}
