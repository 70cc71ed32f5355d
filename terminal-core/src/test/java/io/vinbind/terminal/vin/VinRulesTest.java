package io.vinbind.terminal.vin;

import io.vinbind.protocol.VinPolicy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VinRulesTest {

    private final VinRules strict = new VinRules(VinPolicy.STRICT);
    private final VinRules lenient = new VinRules(VinPolicy.LENIENT);

    @Test
    void computes_check_digit_by_transliteration_and_weights() {
        // 1 M 8 G D M 9 A _ K P 0 4 2 7 8 8
        // values   1 4 8 7 4 4 9 1 . 2 7 0 4 2 7 8 8
        // weights  8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2
        // products 8+28+48+35+16+12+18+10+0+18+56+0+24+10+28+24+16 = 351; 351 mod 11 = 10 -> 'X'
        assertEquals('X', VinRules.checkDigit("1M8GDM9AXKP042788"));
        // all ones: sum of weights = 89; 89 mod 11 = 1
        assertEquals('1', VinRules.checkDigit("11111111111111111"));
        assertEquals('3', VinRules.checkDigit("1HGCM82633A004352"));
    }

    @Test
    void check_digit_position_has_weight_zero_so_it_does_not_influence_itself() {
        assertEquals(VinRules.checkDigit("LSVAU2180N2183294"), VinRules.checkDigit("LSVAU218XN2183294"));
    }

    @Test
    void accepts_vins_with_correct_check_digit_in_strict_mode() {
        for (String vin : List.of("1M8GDM9AXKP042788", "11111111111111111", "1HGCM82633A004352",
                "LSVAU218XN2183294")) {
            VinVerdict v = strict.check(vin);
            assertTrue(v.isValid(), vin + ": " + v.reason());
            assertTrue(v.warnings().isEmpty(), vin);
            assertEquals("check digit '" + vin.charAt(8) + "' correct", v.reason());
        }
    }

    @Test
    void strict_mode_rejects_wrong_check_digit_and_names_both_digits() {
        VinVerdict v = strict.check("LSVAU2180N2183294");
        VinVerdict.Invalid invalid = assertInstanceOf(VinVerdict.Invalid.class, v);
        assertEquals(VinProblem.CHECK_DIGIT_MISMATCH, invalid.problem());
        assertEquals(9, invalid.errors().get(0).position());
        assertEquals("check digit (position 9) is '0', the other positions give 'X'", v.reason());
    }

    @Test
    void lenient_mode_accepts_wrong_check_digit_with_a_warning() {
        // a European VIN: position 9 is a filler 'Z', not a check digit
        VinVerdict v = lenient.check("WVWZZZ1JZXW000001");
        assertTrue(v.isValid(), v.reason());
        assertEquals(1, v.warnings().size());
        assertEquals(VinProblem.CHECK_DIGIT_MISMATCH, v.warnings().get(0).problem());
        assertTrue(v.reason().startsWith("check digit not enforced; warning: check digit (position 9) is 'Z'"),
                v.reason());
        assertFalse(strict.check("WVWZZZ1JZXW000001").isValid());
    }

    @Test
    void rejects_wrong_length_in_both_modes() {
        for (VinRules rules : List.of(strict, lenient)) {
            VinVerdict.Invalid v = assertInstanceOf(VinVerdict.Invalid.class, rules.check("1M8GDM9AXKP04278"));
            assertEquals(VinProblem.WRONG_LENGTH, v.problem());
            assertEquals("length is 16, a VIN has 17 characters", v.reason());
        }
        assertEquals(VinProblem.WRONG_LENGTH,
                assertInstanceOf(VinVerdict.Invalid.class, strict.check("")).problem());
    }

    @Test
    void rejects_i_o_q_and_names_the_position() {
        VinVerdict.Invalid v = assertInstanceOf(VinVerdict.Invalid.class, lenient.check("1M8GDM9AXKO042788"));
        assertEquals(VinProblem.ILLEGAL_CHARACTER, v.problem());
        assertEquals(11, v.errors().get(0).position());
        assertTrue(v.reason().contains("'O' at position 11"), v.reason());
        assertTrue(v.reason().contains("I, O and Q are never used"), v.reason());
    }

    @Test
    void rejects_lower_case_and_non_printable_characters() {
        VinVerdict.Invalid lower = assertInstanceOf(VinVerdict.Invalid.class, strict.check("1m8GDM9AXKP042788"));
        assertTrue(lower.reason().contains("'m' at position 2 (VINs are written in capitals)"), lower.reason());
        // ECU padding byte that slipped through: NUL at the end of a 17-character string
        VinVerdict.Invalid nul = assertInstanceOf(VinVerdict.Invalid.class, strict.check("1M8GDM9AXKP04278\0"));
        assertTrue(nul.reason().contains("U+0000 at position 17"), nul.reason());
    }

    @Test
    void model_year_code_u_z_0_is_an_error_when_strict_and_a_warning_when_lenient() {
        // check digits computed with U / 0 in position 10 so only the model-year rule is broken
        VinVerdict.Invalid u = assertInstanceOf(VinVerdict.Invalid.class, strict.check("1M8GDM9A6UP042788"));
        assertEquals(VinProblem.MODEL_YEAR_INVALID, u.problem());
        assertEquals(10, u.errors().get(0).position());
        VinVerdict zero = lenient.check("1M8GDM9A30P042788");
        assertTrue(zero.isValid(), zero.reason());
        assertEquals(VinProblem.MODEL_YEAR_INVALID, zero.warnings().get(0).problem());
    }

    @Test
    void model_year_code_repeats_every_thirty_years() {
        assertEquals(List.of(1989, 2019), VinRules.modelYears('K', 2030));
        assertEquals(List.of(2009, 2039), VinRules.modelYears('9', 2040));
        assertEquals(List.of(1980, 2010), VinRules.modelYears('A', 2039));
        assertTrue(VinRules.modelYears('U', 2040).isEmpty());
        assertTrue(VinRules.modelYears('0', 2040).isEmpty());
    }

    @Test
    void check_digit_of_malformed_input_is_a_typed_error() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VinRules.checkDigit("1M8GDM9AXKQ042788"));
        assertTrue(e.getMessage().contains("'Q' at position 11"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> VinRules.checkDigit("123"));
    }
}
