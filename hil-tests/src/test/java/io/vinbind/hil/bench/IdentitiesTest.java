package io.vinbind.hil.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.Imei;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.Identifiers;
import io.vinbind.protocol.InvalidVinException;
import io.vinbind.protocol.Vin;
import io.vinbind.protocol.VinPolicy;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdentitiesTest {

    @Test
    void generated_vins_pass_the_strict_check_digit_rule() {
        Identities ids = new Identities(7);
        for (int i = 0; i < 500; i++) {
            String vin = ids.vin();
            Vin parsed = Vin.parse(vin, VinPolicy.STRICT);
            assertTrue(parsed.checkDigitValid(), vin);
            char year = vin.charAt(9);
            assertFalse(year == 'U' || year == 'Z' || year == '0', () -> "model year code at position 10: " + vin);
        }
    }

    @Test
    void wrong_check_digit_is_refused_by_the_strict_rule() {
        String vin = new Identities(3).vin();
        String bad = Identities.withWrongCheckDigit(vin);
        assertNotEquals(vin, bad);
        assertEquals(vin.substring(0, 8) + vin.substring(9), bad.substring(0, 8) + bad.substring(9),
                "only position 9 differs");
        InvalidVinException e = assertThrows(InvalidVinException.class, () -> Vin.parse(bad, VinPolicy.STRICT));
        assertEquals(InvalidVinException.Problem.CHECK_DIGIT_MISMATCH, e.problem());
    }

    @Test
    void modem_identities_have_wire_formats_and_a_luhn_imei() {
        Identities ids = new Identities(11);
        Set<String> imsis = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Identity id = ids.modem();
            String imsi = id.imsi().value();
            assertTrue(Identifiers.isImsi(imsi) && imsi.length() == 15 && imsi.startsWith("460"), imsi);
            assertTrue(Identifiers.isIccid(id.iccid().value()) && id.iccid().value().startsWith("8986"));
            String imei = id.imei().value();
            assertEquals(Imei.luhnCheckDigit(imei.substring(0, 14)), imei.charAt(14) - '0', imei);
            imsis.add(imsi);
        }
        assertEquals(200, imsis.size(), "fresh IMSIs per scenario");
    }

    @Test
    void same_seed_gives_the_same_identities() {
        Identities a = new Identities(42);
        Identities b = new Identities(42);
        assertEquals(a.vin(), b.vin());
        assertEquals(a.modem(), b.modem());
        assertNotEquals(new Identities(43).vin(), new Identities(42).vin());
    }
}
