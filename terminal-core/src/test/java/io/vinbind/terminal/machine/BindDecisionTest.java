package io.vinbind.terminal.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.FlagReason;
import io.vinbind.terminal.state.TerminalState;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BindDecisionTest {

    static final Instant T = Instant.parse("2026-11-22T12:00:00Z");
    static final String VIN = "1M8GDM9AXKP042788";
    static final ModemIdentity MODEM = new ModemIdentity("460001234567890", "89860012345678901234", "356938035643809");
    static final TerminalState BOUND = TerminalState.bound(
            new BoundIdentity(VIN, MODEM.imsi(), MODEM.iccid(), MODEM.imei(), T));

    @Test
    void same_vin_and_modem_needs_no_binding() {
        BindDecision d = BindDecision.decide(BOUND, VIN, MODEM);
        assertFalse(d.mustBind());
        assertEquals("bound to VIN 1M8GDM9AXKP042788 and IMSI 460001234567890 since 2026-11-22T12:00:00Z; nothing to do",
                d.explanation());
    }

    @Test
    void set_flag_wins_and_keeps_its_reason_even_when_identities_also_changed() {
        TerminalState s = BOUND.withFlag(FlagReason.SERVICE_REQUEST, T);
        ModemIdentity other = new ModemIdentity("460001234567899", MODEM.iccid(), MODEM.imei());
        assertEquals(Optional.of(FlagReason.SERVICE_REQUEST), BindDecision.decide(s, "LSVAU218XN2183294", other).reason());
    }

    @Test
    void never_bound_without_flag_is_assembly() {
        TerminalState s = new TerminalState(Optional.empty(), Optional.empty());
        assertEquals(Optional.of(FlagReason.ASSEMBLY), BindDecision.decide(s, VIN, MODEM).reason());
    }

    @Test
    void imsi_iccid_or_imei_change_means_modem_replaced() {
        assertEquals(Optional.of(FlagReason.MODEM_REPLACED), BindDecision.decide(BOUND, VIN,
                new ModemIdentity("460001234567899", MODEM.iccid(), MODEM.imei())).reason());
        BindDecision iccid = BindDecision.decide(BOUND, VIN,
                new ModemIdentity(MODEM.imsi(), "89860012345678909999", MODEM.imei()));
        assertEquals(Optional.of(FlagReason.MODEM_REPLACED), iccid.reason());
        assertEquals("ICCID 89860012345678909999 differs from bound ICCID 89860012345678901234", iccid.explanation());
        assertEquals(Optional.of(FlagReason.MODEM_REPLACED), BindDecision.decide(BOUND, VIN,
                new ModemIdentity(MODEM.imsi(), MODEM.iccid(), "356938035643817")).reason());
    }

    @Test
    void modem_change_is_reported_before_vin_change() {
        // a unit moved to another car AND given a new SIM: one binding, reason modem replaced
        assertEquals(Optional.of(FlagReason.MODEM_REPLACED), BindDecision.decide(BOUND, "LSVAU218XN2183294",
                new ModemIdentity("460001234567899", MODEM.iccid(), MODEM.imei())).reason());
    }

    @Test
    void other_vin_with_same_modem_means_vin_changed() {
        BindDecision d = BindDecision.decide(BOUND, "LSVAU218XN2183294", MODEM);
        assertEquals(Optional.of(FlagReason.VIN_CHANGED), d.reason());
        assertEquals("VIN LSVAU218XN2183294 differs from bound VIN 1M8GDM9AXKP042788", d.explanation());
    }
}
