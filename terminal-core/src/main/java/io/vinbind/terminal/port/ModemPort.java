package io.vinbind.terminal.port;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The cellular modem, as far as binding needs it (3GPP TS 27.007 underneath). */
public interface ModemPort {

    /**
     * Waits for the SIM to be ready ({@code +CPIN: READY}) and reads IMSI, ICCID and IMEI. Fails with
     * {@link ModemException} (SIM_ABSENT, SIM_LOCKED, UNRESPONSIVE, ...).
     */
    CompletableFuture<ModemIdentity> identify();

    /**
     * Waits for packet-domain registration (home or roaming) and activates the data context with the
     * configured APN. Completes when IP traffic can flow; fails with {@link ModemException}
     * (REGISTRATION_DENIED, NO_NETWORK, DATA_FAILED, ...).
     */
    CompletableFuture<Void> attach();

    /**
     * Registers the one listener for unsolicited events (modem reset, data context dropped). Events may be
     * delivered on any thread.
     */
    void setListener(ModemEvents listener);

    /**
     * The radio as last read, for status records; empty until a reading has been made (or when the port cannot
     * read it). Never blocks and never talks to the modem.
     */
    default Optional<RadioStatus> radio() {
        return Optional.empty();
    }

    /**
     * Asks for a fresh reading of the radio when the last one is older than {@code maxAge}, behind whatever the modem
     * is doing now (at most one reading waits at a time). Returns at once; {@link #radio()} shows the result.
     */
    default void refreshRadio(java.time.Duration maxAge) {
    }

    /** Unsolicited modem events that end a binding attempt. */
    interface ModemEvents {
        /** The modem restarted by itself ({@code RDY}): identity and data must be redone. */
        void modemReset(String detail);

        /** The data context dropped (e.g. {@code +QIURC: "pdpdeact"}, {@code +CGEV: NW DEACT}). */
        void dataLost(String detail);
    }
}
