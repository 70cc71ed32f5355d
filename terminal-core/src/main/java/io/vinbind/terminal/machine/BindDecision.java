package io.vinbind.terminal.machine;

import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.FlagReason;
import io.vinbind.terminal.state.TerminalState;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether this power cycle must bind, and why: the decision rules of the terminal.
 *
 * @param reason      present when the terminal must bind
 * @param explanation a sentence for the log
 */
public record BindDecision(Optional<FlagReason> reason, String explanation) {

    public BindDecision {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(explanation, "explanation");
    }

    public boolean mustBind() {
        return reason.isPresent();
    }

    /**
     * The rules, first match wins:
     * <ol>
     *   <li>the VIN-request flag is already set (its reason stands: assembly, service request, an earlier
     *       change, an unreadable state file);</li>
     *   <li>nothing was ever bound: {@link FlagReason#ASSEMBLY};</li>
     *   <li>IMSI, ICCID or IMEI differ from the bound ones: the modem or SIM was replaced,
     *       {@link FlagReason#MODEM_REPLACED};</li>
     *   <li>the VIN differs from the bound one: the terminal moved to another vehicle,
     *       {@link FlagReason#VIN_CHANGED};</li>
     *   <li>otherwise: nothing to do.</li>
     * </ol>
     */
    public static BindDecision decide(TerminalState state, String vin, ModemIdentity modem) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(vin, "vin");
        Objects.requireNonNull(modem, "modem");
        if (state.vinRequest().isPresent()) {
            FlagReason r = state.vinRequest().get().reason();
            return new BindDecision(Optional.of(r), "VIN-request flag is set (" + r + " since "
                    + state.vinRequest().get().since() + ")");
        }
        if (state.lastBound().isEmpty()) {
            return new BindDecision(Optional.of(FlagReason.ASSEMBLY), "never bound");
        }
        BoundIdentity last = state.lastBound().get();
        if (!last.imsi().equals(modem.imsi())) {
            return new BindDecision(Optional.of(FlagReason.MODEM_REPLACED),
                    "IMSI " + modem.imsi() + " differs from bound IMSI " + last.imsi());
        }
        if (!last.iccid().equals(modem.iccid())) {
            return new BindDecision(Optional.of(FlagReason.MODEM_REPLACED),
                    "ICCID " + modem.iccid() + " differs from bound ICCID " + last.iccid());
        }
        if (!last.imei().equals(modem.imei())) {
            return new BindDecision(Optional.of(FlagReason.MODEM_REPLACED),
                    "IMEI " + modem.imei() + " differs from bound IMEI " + last.imei());
        }
        if (!last.vin().equals(vin)) {
            return new BindDecision(Optional.of(FlagReason.VIN_CHANGED),
                    "VIN " + vin + " differs from bound VIN " + last.vin());
        }
        return new BindDecision(Optional.empty(), "bound to VIN " + vin + " and IMSI " + modem.imsi()
                + " since " + last.boundAt() + "; nothing to do");
    }
}
