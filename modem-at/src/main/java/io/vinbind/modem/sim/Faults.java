package io.vinbind.modem.sim;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Misbehaviour the simulator injects, each one a pitfall seen with real modems.
 *
 * @param echo                force echo on even after {@code ATE0} (as if {@code ATE0} had been lost)
 * @param urcProbability      chance (0..1) of a URC before, between and after each answer's lines
 * @param responseDelay       delay before each answer is written (slow modem)
 * @param mute                answer nothing at all (hung modem)
 * @param garbageProbability  chance (0..1) of a burst of line noise before each answer
 * @param cmeErrors           command prefixes (upper case, e.g. {@code "AT+CIMI"}) answered with this
 *                            {@code +CME ERROR} number instead of their normal answer
 * @param resetAfterCommands  reset ({@code RDY}) in the middle of the n-th command's answer; 0 never
 * @param seed                random seed, so a failing run can be repeated
 * @param uicc                the card-access pitfalls ({@code AT+CCHO}/{@code AT+CGLA}/{@code AT+CSIM})
 */
public record Faults(boolean echo, double urcProbability, Duration responseDelay, boolean mute,
                     double garbageProbability, Map<String, Integer> cmeErrors, int resetAfterCommands, long seed,
                     UiccFaults uicc) {

    /** A well-behaved modem. */
    public static final Faults NONE = new Faults(false, 0, Duration.ZERO, false, 0, Map.of(), 0, 1, UiccFaults.NONE);

    public Faults {
        Objects.requireNonNull(responseDelay, "responseDelay");
        Objects.requireNonNull(cmeErrors, "cmeErrors");
        if (urcProbability < 0 || urcProbability > 1 || garbageProbability < 0 || garbageProbability > 1) {
            throw new IllegalArgumentException("probabilities must be in 0..1");
        }
        if (responseDelay.isNegative() || responseDelay.toMinutes() > 10) {
            throw new IllegalArgumentException("responseDelay must be 0..10 min: " + responseDelay);
        }
        if (resetAfterCommands < 0) {
            throw new IllegalArgumentException("resetAfterCommands must be >= 0: " + resetAfterCommands);
        }
        cmeErrors = Map.copyOf(cmeErrors);
        Objects.requireNonNull(uicc, "uicc");
    }

    /** Without card-access faults. */
    public Faults(boolean echo, double urcProbability, Duration responseDelay, boolean mute, double garbageProbability,
                  Map<String, Integer> cmeErrors, int resetAfterCommands, long seed) {
        this(echo, urcProbability, responseDelay, mute, garbageProbability, cmeErrors, resetAfterCommands, seed, UiccFaults.NONE);
    }

    public Faults withEcho(boolean on) {
        return new Faults(on, urcProbability, responseDelay, mute, garbageProbability, cmeErrors, resetAfterCommands, seed, uicc);
    }

    public Faults withUrcProbability(double p) {
        return new Faults(echo, p, responseDelay, mute, garbageProbability, cmeErrors, resetAfterCommands, seed, uicc);
    }

    public Faults withResponseDelay(Duration d) {
        return new Faults(echo, urcProbability, d, mute, garbageProbability, cmeErrors, resetAfterCommands, seed, uicc);
    }

    public Faults withMute(boolean on) {
        return new Faults(echo, urcProbability, responseDelay, on, garbageProbability, cmeErrors, resetAfterCommands, seed, uicc);
    }

    public Faults withGarbageProbability(double p) {
        return new Faults(echo, urcProbability, responseDelay, mute, p, cmeErrors, resetAfterCommands, seed, uicc);
    }

    public Faults withCmeErrors(Map<String, Integer> errors) {
        return new Faults(echo, urcProbability, responseDelay, mute, garbageProbability, errors, resetAfterCommands, seed, uicc);
    }

    public Faults withResetAfterCommands(int n) {
        return new Faults(echo, urcProbability, responseDelay, mute, garbageProbability, cmeErrors, n, seed, uicc);
    }

    public Faults withSeed(long s) {
        return new Faults(echo, urcProbability, responseDelay, mute, garbageProbability, cmeErrors, resetAfterCommands, s, uicc);
    }

    public Faults withUicc(UiccFaults u) {
        return new Faults(echo, urcProbability, responseDelay, mute, garbageProbability, cmeErrors, resetAfterCommands, seed, u);
    }
}
