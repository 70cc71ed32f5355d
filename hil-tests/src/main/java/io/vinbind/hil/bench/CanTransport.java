package io.vinbind.hil.bench;

import io.vinbind.modem.link.SocatPtyPair;
import java.nio.file.Files;
import java.nio.file.Path;

/** How the smart-key ECU simulator and the terminal share a CAN bus on the bench. */
public enum CanTransport {
    /**
     * Two SLCAN (Lawicel) adapters back to back over a socat pty pair, through jSerialComm: the serial
     * path a CANable or USBtin takes in a vehicle.
     */
    SLCAN_PTY("SLCAN over a pty pair (socat, jSerialComm)"),
    /** Both on the SocketCAN interface {@code vcan0} (Linux kernel vcan module). */
    SOCKETCAN_VCAN("SocketCAN vcan0"),
    /** The in-JVM virtual bus: no operating-system transport at all. */
    IN_JVM("in-JVM virtual CAN bus");

    /** The vcan interface the SOCKETCAN_VCAN lane uses. */
    public static final String VCAN_INTERFACE = "vcan0";

    private final String description;

    CanTransport(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Why this transport cannot run here (for a test's skip reason), or null when it can. */
    public String unavailableReason() {
        return switch (this) {
            case SLCAN_PTY -> SocatPtyPair.socatAvailable() ? null
                    : "skipped: socat is not installed, so no pty pair can carry SLCAN";
            case SOCKETCAN_VCAN -> Files.exists(Path.of("/sys/class/net", VCAN_INTERFACE)) ? null
                    : "skipped: no " + VCAN_INTERFACE + " interface (run under scripts/with-vcan)";
            case IN_JVM -> null;
        };
    }

    @Override
    public String toString() {
        return description;
    }
}
