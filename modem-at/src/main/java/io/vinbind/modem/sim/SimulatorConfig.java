package io.vinbind.modem.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the simulated modem starts.
 *
 * @param persona        which vendor it imitates
 * @param identity       IMSI, ICCID, IMEI
 * @param simCard        SIM state at start
 * @param pin            the PIN that unlocks a {@link SimCard#PIN_LOCKED} card
 * @param searchTime     how long the network search takes once the SIM is ready
 * @param network        where the search ends
 * @param operatorName   long alphanumeric operator name for {@code +COPS}
 * @param rssi           {@code +CSQ} rssi 0..31 or 99
 * @param faults         injected misbehaviour
 * @param card           the card in the modem; empty: the simulator's plain USIM, whose IMSI and ICCID are
 *                       {@code identity}'s. A card from outside (e.g. an eUICC) supplies IMSI and ICCID itself
 *                       and {@code identity} gives only the IMEI
 */
public record SimulatorConfig(Persona persona, Identity identity, SimCard simCard, String pin, Duration searchTime,
                              NetworkOutcome network, String operatorName, int rssi, Faults faults,
                              Optional<UiccCard> card) {

    public static final SimulatorConfig DEFAULT = new SimulatorConfig(Persona.QUECTEL, Identity.DEFAULT, SimCard.READY,
            "1234", Duration.ofMillis(200), NetworkOutcome.HOME, "CHINA MOBILE", 20, Faults.NONE, Optional.empty());

    public SimulatorConfig {
        Objects.requireNonNull(persona, "persona");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(simCard, "simCard");
        Objects.requireNonNull(pin, "pin");
        Objects.requireNonNull(searchTime, "searchTime");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(operatorName, "operatorName");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(card, "card");
        if (!pin.matches("[0-9]{4,8}")) {
            throw new IllegalArgumentException("SIM PIN must be 4..8 digits");
        }
        if (searchTime.isNegative() || searchTime.toMinutes() > 60) {
            throw new IllegalArgumentException("searchTime must be 0..60 min: " + searchTime);
        }
        if (operatorName.isBlank() || operatorName.contains("\"")) {
            throw new IllegalArgumentException("operator name must be non-blank without quotes: '" + operatorName + "'");
        }
        if (rssi != 99 && (rssi < 0 || rssi > 31)) {
            throw new IllegalArgumentException("rssi must be 0..31 or 99: " + rssi);
        }
    }

    /** With the plain USIM. */
    public SimulatorConfig(Persona persona, Identity identity, SimCard simCard, String pin, Duration searchTime,
                           NetworkOutcome network, String operatorName, int rssi, Faults faults) {
        this(persona, identity, simCard, pin, searchTime, network, operatorName, rssi, faults, Optional.empty());
    }

    public SimulatorConfig withPersona(Persona p) {
        return new SimulatorConfig(p, identity, simCard, pin, searchTime, network, operatorName, rssi, faults, card);
    }

    public SimulatorConfig withIdentity(Identity i) {
        return new SimulatorConfig(persona, i, simCard, pin, searchTime, network, operatorName, rssi, faults, card);
    }

    public SimulatorConfig withSimCard(SimCard s) {
        return new SimulatorConfig(persona, identity, s, pin, searchTime, network, operatorName, rssi, faults, card);
    }

    public SimulatorConfig withPin(String p) {
        return new SimulatorConfig(persona, identity, simCard, p, searchTime, network, operatorName, rssi, faults, card);
    }

    public SimulatorConfig withNetwork(NetworkOutcome n, Duration search) {
        return new SimulatorConfig(persona, identity, simCard, pin, search, n, operatorName, rssi, faults, card);
    }

    public SimulatorConfig withOperator(String name) {
        return new SimulatorConfig(persona, identity, simCard, pin, searchTime, network, name, rssi, faults, card);
    }

    public SimulatorConfig withRssi(int r) {
        return new SimulatorConfig(persona, identity, simCard, pin, searchTime, network, operatorName, r, faults, card);
    }

    public SimulatorConfig withFaults(Faults f) {
        return new SimulatorConfig(persona, identity, simCard, pin, searchTime, network, operatorName, rssi, f, card);
    }

    /** With a card from outside instead of the plain USIM. */
    public SimulatorConfig withCard(UiccCard c) {
        return new SimulatorConfig(persona, identity, simCard, pin, searchTime, network, operatorName, rssi, faults,
                Optional.of(c));
    }
}
