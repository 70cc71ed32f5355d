package io.vinbind.can.sim;

/**
 * The VIN check digit (position 9) as 49 CFR 565 / GB 16735 compute it, only so the simulator can send a
 * VIN whose check digit is deliberately wrong. VIN validation proper belongs to the terminal.
 */
final class CheckDigit {
    private static final int[] WEIGHTS = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};
    /** Transliteration of A..Z; 0 for I, O, Q, which a VIN never contains. */
    private static final int[] LETTERS = {1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3, 4, 5, 0, 7, 0, 9, 2, 3, 4, 5, 6, 7, 8, 9};

    private CheckDigit() {
    }

    static char compute(String vin) {
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            char c = vin.charAt(i);
            int v = Character.isDigit(c) ? c - '0' : (c >= 'A' && c <= 'Z') ? LETTERS[c - 'A'] : 0;
            sum += v * WEIGHTS[i];
        }
        int check = sum % 11;
        return check == 10 ? 'X' : (char) ('0' + check);
    }

    /** The VIN with position 9 replaced by a character that is certainly not its check digit. */
    static String corrupt(String vin) {
        char right = compute(vin);
        char wrong = right == 'X' ? '0' : right == '9' ? 'X' : (char) (right + 1);
        return vin.substring(0, 8) + wrong + vin.substring(9);
    }
}
