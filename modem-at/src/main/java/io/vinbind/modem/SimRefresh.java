package io.vinbind.modem;

import io.vinbind.modem.at.AtCommand;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Modem#refreshSim} makes the modem read the card again after a profile switch. Many eUICCs switch the
 * profile the network sees only after a REFRESH or a restart of the modem (GSMA SGP.22 §3.2.1, the refresh flag of
 * EnableProfile; users report it for most modems), and until then {@code AT+CIMI} still gives the old IMSI.
 */
public sealed interface SimRefresh {

    /** Deadline of one {@code AT+CFUN} (Quectel documents up to 15 s). */
    Duration CFUN_TIMEOUT = Duration.ofSeconds(15);

    /**
     * {@code AT+CFUN=0} then {@code AT+CFUN=1} (27.007 §8.2): minimum functionality powers the SIM down, full
     * functionality powers it up and the modem reads it anew. Works on every 27.007 modem; the modem stays up.
     */
    record CfunCycle() implements SimRefresh {
    }

    /** {@code AT+CFUN=1,1}: the modem restarts (it prints {@code RDY} and re-enumerates on USB). */
    record Restart() implements SimRefresh {
    }

    /**
     * A vendor's own command that re-reads the SIM, e.g. one from the module's AT manual; after it the SIM is awaited
     * as after the others. vinbind names no vendor command of its own: none could be checked on hardware here.
     */
    record Vendor(AtCommand command) implements SimRefresh {
        public Vendor {
            Objects.requireNonNull(command, "command");
        }
    }

    static SimRefresh cfunCycle() {
        return new CfunCycle();
    }

    static SimRefresh restart() {
        return new Restart();
    }

    static SimRefresh vendor(String command, Duration timeout) {
        return new Vendor(AtCommand.action(command).withTimeout(timeout));
    }
}
