package io.vinbind.hil.bench;

import io.vinbind.terminal.machine.MachineConfig;
import io.vinbind.terminal.machine.RetryPolicy;
import io.vinbind.protocol.VinPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * Every bound the bench's terminal runs with: the state machine's, the UDS client's (ISO 14229-2 P2/P2*)
 * and the modem adapter's. The simulators answer in milliseconds, so the bench uses bounds far shorter than
 * a vehicle's: a scenario that waits for a timeout then takes a second, not half a minute.
 *
 * @param machine          the state machine's bounds and retry policy
 * @param udsP2            UDS P2: first response to a request
 * @param udsP2Star        UDS P2*: next response after NRC 0x78 response-pending
 * @param udsOverall       bound of one UDS request including response-pending waits
 * @param simReady         how long the SIM may stay not ready
 * @param registration     how long to wait for network registration
 * @param keepAlive        MQTT keep-alive
 * @param powerSilenceOff  no power-mode broadcast for this long counts as OFF
 */
public record TerminalTimings(MachineConfig machine, Duration udsP2, Duration udsP2Star, Duration udsOverall,
        Duration simReady, Duration registration, Duration keepAlive, Duration powerSilenceOff) {

    public TerminalTimings {
        Objects.requireNonNull(machine, "machine");
        for (Duration d : new Duration[] {udsP2, udsP2Star, udsOverall, simReady, registration, keepAlive,
                powerSilenceOff}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("every terminal timing must be positive: " + d);
            }
        }
        if (machine.vinReadTimeout().compareTo(udsOverall) <= 0) {
            throw new IllegalArgumentException("the machine's VIN read bound " + machine.vinReadTimeout()
                    + " must exceed the UDS overall bound " + udsOverall);
        }
        if (machine.identifyTimeout().compareTo(simReady) <= 0 || machine.attachTimeout().compareTo(registration) <= 0) {
            throw new IllegalArgumentException("identify/attach bounds must exceed SIM-ready/registration bounds");
        }
    }

    /**
     * Bench bounds: a silent ECU costs 4 x 500 ms (P2; an SLCAN answer over a pty takes 10-50 ms, the margin is
     * for a loaded CI machine), a lost ack 3 s, retries start at 300 ms and double up to
     * 1.5 s (jitter 20 %), 30 attempts per power cycle so a scenario's fault can last a while.
     */
    public static TerminalTimings fast() {
        MachineConfig m = new MachineConfig(VinPolicy.STRICT, Duration.ofSeconds(4), 4, Duration.ofMillis(50),
                Duration.ofSeconds(6), Duration.ofSeconds(6), Duration.ofSeconds(3), Duration.ofSeconds(3),
                Duration.ofSeconds(3), new RetryPolicy(Duration.ofMillis(300), Duration.ofMillis(1500), 2.0, 0.2, 30),
                Duration.ofSeconds(1));
        return new TerminalTimings(m, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5), Duration.ofMillis(1500));
    }

    /** This with another machine configuration (e.g. fewer attempts). */
    public TerminalTimings withMachine(MachineConfig m) {
        return new TerminalTimings(m, udsP2, udsP2Star, udsOverall, simReady, registration, keepAlive,
                powerSilenceOff);
    }
}
