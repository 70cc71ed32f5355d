package io.vinbind.modem.cli;

import io.vinbind.modem.Modem;
import io.vinbind.modem.Registration;
import io.vinbind.modem.RegistrationException;
import io.vinbind.modem.SimState;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.at.AtResetException;
import java.time.Duration;
import java.util.Objects;
import org.tinylog.Logger;

/**
 * The probe itself, apart from the command line so tests and the bench can call it: initialise, check
 * the SIM, read the identities, wait (bounded) for registration, then read operator and signal.
 */
public final class Probe {

    /** A modem that resets during the probe (it was just booting) is probed again this many times at most. */
    static final int MAX_ATTEMPTS = 3;

    /** Exit code: the port could not be opened. */
    public static final int EXIT_PORT = 3;
    /** Exit code: the modem did not answer or answered wrongly. */
    public static final int EXIT_MODEM = 4;
    /** Exit code: the SIM is not ready, so the identities cannot be read. */
    public static final int EXIT_SIM = 5;

    private Probe() {
    }

    /**
     * Probes an attached modem.
     *
     * @param registrationWait how long to wait for registration; the state at the end is reported either way
     */
    public static ProbeResult run(Modem modem, Duration registrationWait) throws ProbeException {
        Objects.requireNonNull(modem, "modem");
        Objects.requireNonNull(registrationWait, "registrationWait");
        for (int attempt = 1; ; attempt++) {
            try {
                return once(modem, registrationWait);
            } catch (ProbeException e) {
                if (!(e.getCause() instanceof AtResetException) || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                // its settings are gone with the reset: start over from initialisation
                Logger.info("probe: modem reset during attempt {} ({}); probing again", attempt, e.getMessage());
            }
        }
    }

    private static ProbeResult once(Modem modem, Duration registrationWait) throws ProbeException {
        try {
            modem.initialise();
            var device = modem.deviceInfo();
            SimState sim = modem.simState();
            if (!sim.isReady()) {
                throw new ProbeException(EXIT_SIM, "SIM not ready: " + sim, null);
            }
            var imsi = modem.imsi();
            var iccid = modem.iccid();
            var imei = modem.imei();
            Registration reg;
            try {
                reg = modem.awaitRegistration(registrationWait);
            } catch (RegistrationException e) {
                Logger.info("probe: {}", e.getMessage());
                reg = e.last().orElse(modem.registration());
            }
            var op = modem.operator();
            var signal = modem.signal();
            return new ProbeResult(sim, imsi, iccid, imei, reg, op, signal.rssiDbm(), device);
        } catch (AtException e) {
            throw new ProbeException(EXIT_MODEM, e.getMessage(), e);
        }
    }
}
