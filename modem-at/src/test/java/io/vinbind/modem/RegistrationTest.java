package io.vinbind.modem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Registration reports as real modems print them (3GPP TS 27.007 §7.2, §10.1.20, §10.1.22). */
class RegistrationTest {

    @Test
    void solicited_cereg_with_location_and_act() {
        // AT+CEREG? with n=2:  <n>=2, <stat>=1 home, <tac>="1A2B", <ci>="0C3D4E5F", <AcT>=7 E-UTRAN
        Registration r = Registration.parse("+CEREG: 2,1,\"1A2B\",\"0C3D4E5F\",7");
        assertEquals(RegistrationDomain.EPS, r.domain());
        assertEquals(RegistrationState.HOME, r.state());
        assertEquals(Optional.of("1A2B"), r.area());
        assertEquals(Optional.of("0C3D4E5F"), r.cellId());
        assertEquals(Optional.of(AccessTechnology.E_UTRAN), r.accessTechnology());
        assertTrue(r.isRegistered());
    }

    @Test
    void solicited_creg_without_location() {
        // AT+CREG? with n=0:  <n>=0, <stat>=5 roaming; no location fields
        Registration r = Registration.parse("+CREG: 0,5");
        assertEquals(RegistrationDomain.CS, r.domain());
        assertEquals(RegistrationState.ROAMING, r.state());
        assertEquals(Optional.empty(), r.area());
        assertEquals(Optional.empty(), r.accessTechnology());
    }

    @Test
    void unsolicited_cgreg_bare_stat() {
        // URC with n=1:  <stat>=2 searching
        Registration r = Registration.parse("+CGREG: 2");
        assertEquals(RegistrationDomain.GPRS, r.domain());
        assertEquals(RegistrationState.SEARCHING, r.state());
    }

    @Test
    void unsolicited_cereg_with_location() {
        // URC with n=2:  <stat>=5 roaming, <tac>="00A1", <ci>="01B2C3D4", <AcT>=7
        Registration r = Registration.parse("+CEREG: 5,\"00A1\",\"01B2C3D4\",7");
        assertEquals(RegistrationState.ROAMING, r.state());
        assertEquals(Optional.of("00A1"), r.area());
        assertEquals(Optional.of(AccessTechnology.E_UTRAN), r.accessTechnology());
    }

    @Test
    void solicited_with_leading_zero_stat_and_extra_psm_fields() {
        // n=4 adds <cause_type>,<reject_cause>,<Active-Time>,<Periodic-TAU>; "01" stat with a leading zero
        Registration r = Registration.parse("+CEREG: 4,01,\"1A2B\",\"0C3D4E5F\",9,,,\"00100001\",\"00101011\"");
        assertEquals(RegistrationState.HOME, r.state());
        assertEquals(Optional.of(AccessTechnology.E_UTRAN_NB_S1), r.accessTechnology());
    }

    @Test
    void denied_is_reported_as_such() {
        // <n>=2, <stat>=3 denied (e.g. IMSI unknown in HLR)
        Registration r = Registration.parse("+CEREG: 2,3");
        assertEquals(RegistrationState.DENIED, r.state());
        assertTrue(!r.isRegistered());
    }

    @Test
    void unquoted_location_fields_are_accepted() {
        // some SIMCom firmwares omit the quotes: URC <stat>=1, lac 1A2B, ci 3C4D
        Registration r = Registration.parse("+CREG: 1,1A2B,3C4D");
        assertEquals(RegistrationState.HOME, r.state());
        assertEquals(Optional.of("1A2B"), r.area());
    }

    @Test
    void malformed_fields_are_rejected_naming_the_line() {
        // <AcT> that is not a number
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Registration.parse("+CEREG: 2,1,\"1A2B\",\"0C3D\",x"));
        assertTrue(e.getMessage().contains("+CEREG: 2,1,\"1A2B\",\"0C3D\",x"), e.getMessage());
        // <stat> 11 is not defined
        assertThrows(IllegalArgumentException.class, () -> Registration.parse("+CEREG: 2,11"));
        assertThrows(IllegalArgumentException.class, () -> Registration.parse("+COPS: 0"));
    }

    @Test
    void best_prefers_a_registered_domain_then_a_denied_one() {
        Registration cs = Registration.parse("+CREG: 0,0");
        Registration eps = Registration.parse("+CEREG: 0,1");
        Registration denied = Registration.parse("+CGREG: 0,3");
        assertEquals(eps, Modem.best(java.util.List.of(cs, denied, eps)));
        assertEquals(denied, Modem.best(java.util.List.of(cs, denied)));
        assertEquals(cs, Modem.best(java.util.List.of(cs)));
    }

    @Test
    void a_cs_denial_does_not_end_the_wait_while_a_packet_domain_is_still_searching() {
        Registration csDenied = Registration.parse("+CREG: 0,3");     // data-only SIM: no CS service
        Registration epsSearching = Registration.parse("+CEREG: 0,2"); // LTE attach on its way
        Registration epsIdle = Registration.parse("+CEREG: 0,0");      // not searching at all
        assertEquals(epsSearching, Modem.best(java.util.List.of(epsSearching, csDenied)));
        assertEquals(csDenied, Modem.best(java.util.List.of(epsIdle, csDenied)), "nothing else is trying");
        Registration epsDenied = Registration.parse("+CEREG: 0,3");
        assertEquals(epsDenied, Modem.best(java.util.List.of(epsDenied, Registration.parse("+CREG: 0,2"))),
                "a denied packet domain is final even while CS searches");
    }
}
