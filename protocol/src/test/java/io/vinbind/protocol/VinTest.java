package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VinTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "1M8GDM9AXKP042788", // the 49 CFR 565 worked example: check digit X (sum mod 11 = 10)
        "11111111111111111", // all ones: sum 89 -> 89 mod 11 = 1
        "5GZCZ43D13S812715",
        "JH4KA7561PC008269",
        "LSVAU218XN2183294" // a GB 16735 style (Chinese WMI) VIN with check digit X
    })
    void accepts_vins_whose_check_digit_matches_in_strict_mode(String candidate) {
        Vin vin = Vin.parse(candidate, VinPolicy.STRICT);
        assertEquals(candidate, vin.value());
        assertTrue(vin.checkDigitValid());
    }

    @Test
    void computes_check_digit_from_transliteration_and_weights() {
        // 1M8GDM9A?KP042788: 1*8 + M(4)*7 + 8*6 + G(7)*5 + D(4)*4 + M(4)*3 + 9*2 + A(1)*10 + (pos 9)*0
        //   + K(2)*9 + P(7)*8 + 0*7 + 4*6 + 2*5 + 7*4 + 8*3 + 8*2 = 351; 351 mod 11 = 10 -> 'X'
        assertEquals('X', Vin.computeCheckDigit("1M8GDM9A0KP042788"));
        assertEquals('1', Vin.computeCheckDigit("11111111111111111"));
    }

    @Test
    void position_nine_does_not_contribute_to_its_own_check_digit() {
        assertEquals(Vin.computeCheckDigit("1M8GDM9A0KP042788"), Vin.computeCheckDigit("1M8GDM9A7KP042788"));
    }

    @Test
    void strict_mode_rejects_a_wrong_check_digit_naming_position_nine() {
        InvalidVinException e = assertThrows(InvalidVinException.class,
            () -> Vin.parse("LSVAU2180N2183294", VinPolicy.STRICT));
        assertEquals(InvalidVinException.Problem.CHECK_DIGIT_MISMATCH, e.problem());
        assertEquals(9, e.position());
        assertTrue(e.getMessage().contains("'X'"), e.getMessage());
    }

    @Test
    void lenient_mode_accepts_a_european_vin_without_check_digit_but_reports_it() {
        Vin vin = Vin.parse("WVWZZZ1JZXW000001", VinPolicy.LENIENT);
        assertFalse(vin.checkDigitValid());
        assertEquals("WVW", vin.wmi());
        assertFalse(Vin.isValid("WVWZZZ1JZXW000001", VinPolicy.STRICT));
        assertTrue(Vin.isValid("WVWZZZ1JZXW000001", VinPolicy.LENIENT));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1M8GDM9AXKP04278", "1M8GDM9AXKP0427888", ""})
    void rejects_wrong_length_in_both_modes(String candidate) {
        for (VinPolicy policy : VinPolicy.values()) {
            InvalidVinException e = assertThrows(InvalidVinException.class, () -> Vin.parse(candidate, policy));
            assertEquals(InvalidVinException.Problem.WRONG_LENGTH, e.problem());
        }
    }

    @Test
    void rejects_i_o_q_lower_case_and_padding_naming_the_position_in_lenient_mode_too() {
        assertIllegalAt("IM8GDM9AXKP042788", 1);   // I is never used (looks like 1)
        assertIllegalAt("1M8GDM9AXKO042788", 11);  // O is never used (looks like 0)
        assertIllegalAt("1M8GDM9AXKP04278Q", 17);  // Q is never used
        assertIllegalAt("1m8GDM9AXKP042788", 2);   // lower case is not in the alphabet
        assertIllegalAt("1M8GDM9AXKP04278\u0000", 17); // NUL padding from an ECU
        assertIllegalAt("1M8GDM9AXKP04278 ", 17);  // space padding
    }

    private static void assertIllegalAt(String candidate, int position) {
        InvalidVinException e = assertThrows(InvalidVinException.class,
            () -> Vin.parse(candidate, VinPolicy.LENIENT));
        assertEquals(InvalidVinException.Problem.ILLEGAL_CHARACTER, e.problem());
        assertEquals(position, e.position());
        assertFalse(e.getMessage().contains("\u0000"), "control characters are escaped in messages");
    }

    @Test
    void null_is_refused_as_missing() {
        InvalidVinException e = assertThrows(InvalidVinException.class, () -> Vin.parse(null));
        assertEquals("VIN is missing", e.getMessage());
        assertFalse(Vin.isValid(null, VinPolicy.LENIENT));
    }

    @Test
    void a_single_substitution_escapes_strict_mode_only_when_it_keeps_the_transliterated_value() {
        // weights are 2..10 and 11 is prime, so a substitution at a weighted position changes the sum mod 11
        // unless the new character transliterates to the same number (e.g. A and J are both 1)
        String valid = "1M8GDM9AXKP042788";
        String alphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
        // transliteration: digits as themselves, then A-H 1-8, J-N 1-5, P 7, R 9, S-Z 2-9
        String values = "0" + "123456789" + "12345678" + "12345" + "7" + "9" + "23456789";
        int caught = 0;
        for (int pos = 0; pos < 17; pos++) {
            if (pos == 8) {
                continue;
            }
            for (int k = 0; k < alphabet.length(); k++) {
                char c = alphabet.charAt(k);
                if (c == valid.charAt(pos)) {
                    continue;
                }
                String mutated = valid.substring(0, pos) + c + valid.substring(pos + 1);
                boolean sameValue = values.charAt(k) == values.charAt(alphabet.indexOf(valid.charAt(pos)));
                assertEquals(sameValue, Vin.isValid(mutated, VinPolicy.STRICT), mutated);
                caught += sameValue ? 0 : 1;
            }
        }
        assertTrue(caught > 400, "caught " + caught);
    }

    @Test
    void strict_refuses_a_model_year_code_that_is_never_used_and_lenient_reports_it() {
        // X4T1Y0RR4U557GTMR: check digit '4' is right, but position 10 is 'U', which 49 CFR 565.15 never uses
        String vin = "X4T1Y0RR4U557GTMR";
        assertTrue(Vin.parse(vin, VinPolicy.LENIENT).checkDigitValid());
        assertFalse(Vin.parse(vin, VinPolicy.LENIENT).modelYearValid());
        InvalidVinException e = assertThrows(InvalidVinException.class, () -> Vin.parse(vin, VinPolicy.STRICT));
        assertEquals(InvalidVinException.Problem.MODEL_YEAR_INVALID, e.problem());
        assertEquals(10, e.position());
        for (char never : new char[] {'U', 'Z', '0'}) {
            assertEquals(-1, Vin.modelYearIndex(never), "model-year code " + never);
        }
    }
}
