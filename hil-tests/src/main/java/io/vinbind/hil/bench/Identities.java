package io.vinbind.hil.bench;

import io.vinbind.modem.Imei;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.Vin;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Fresh, valid identities for bench runs, from a seeded generator so a failing run can be repeated. Every
 * scenario takes its own VINs and modem identities, so scenarios can share one server without seeing each
 * other's bindings.
 *
 * <ul>
 *   <li>terminal id: {@code TBOX-} + 10 digits;</li>
 *   <li>VIN: ISO 3779 alphabet, check digit at position 9 computed by the protocol module's {@link Vin}
 *       (FMVSS 115 / GB 16735), model year letter at position 10 never U, Z or 0;</li>
 *   <li>IMSI: MCC 460 (China) + MNC 00 + 10-digit MSIN (3GPP TS 23.003, 15 digits);</li>
 *   <li>ICCID: 89 (telecom) + 86 (China) + 16 digits: 20 digits (ITU-T E.118);</li>
 *   <li>IMEI: 14 digits + Luhn check digit (3GPP TS 23.003 §6.2.1).</li>
 * </ul>
 */
public final class Identities {

    /** ISO 3779 VIN alphabet: no I, O, Q. */
    private static final String VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
    /** Model-year codes usable at position 10 (ISO 3779 excludes I, O, Q, U, Z and 0 there). */
    private static final String YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789";
    /** World manufacturer identifiers of a few Chinese makers, so demo VINs look familiar. */
    private static final String[] WMIS = {"LSV", "LFV", "LGW", "LVS", "LBV"};

    private final RandomGenerator random;

    public Identities(long seed) {
        this.random = new java.util.SplittableRandom(seed);
    }

    /** A random VIN with a correct check digit. */
    public synchronized String vin() {
        StringBuilder b = new StringBuilder(WMIS[random.nextInt(WMIS.length)]);
        while (b.length() < 17) {
            int pos = b.length() + 1;
            if (pos == 10) {
                b.append(YEAR_CODES.charAt(random.nextInt(YEAR_CODES.length())));
            } else if (pos >= 12) {
                b.append((char) ('0' + random.nextInt(10))); // serial number: digits by convention
            } else {
                b.append(VIN_ALPHABET.charAt(random.nextInt(VIN_ALPHABET.length())));
            }
        }
        b.setCharAt(Vin.CHECK_DIGIT_POSITION - 1, Vin.computeCheckDigit(b.toString()));
        String vin = b.toString();
        new Vin(vin); // syntax guard: a generator bug shows here, not as a puzzling server refusal
        return vin;
    }

    /** A random modem identity: IMSI, ICCID and IMEI of one new modem with its SIM. */
    public synchronized Identity modem() {
        return Identity.of(imsi(), iccid(), imei());
    }

    /**
     * A random terminal id, {@code TBOX-} and 10 digits: the CN of the terminal's certificate and the topic level
     * of protocol v2 (docs/protocol.md), fixed for the head unit's life whatever modem it holds.
     */
    public synchronized String terminalId() {
        return "TBOX-" + digits(10);
    }

    synchronized String imsi() {
        return "46000" + digits(10);
    }

    synchronized String iccid() {
        return "8986" + digits(16);
    }

    synchronized String imei() {
        String body = "86" + digits(12);
        return body + Imei.luhnCheckDigit(body);
    }

    private String digits(int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('0' + random.nextInt(10)));
        }
        return b.toString();
    }

    /** A VIN with its check digit replaced by a wrong one (what a corrupted ECU would send). */
    public static String withWrongCheckDigit(String vin) {
        Objects.requireNonNull(vin, "vin");
        char right = vin.charAt(Vin.CHECK_DIGIT_POSITION - 1);
        char wrong = right == '0' ? '1' : '0';
        return vin.substring(0, Vin.CHECK_DIGIT_POSITION - 1) + wrong + vin.substring(Vin.CHECK_DIGIT_POSITION);
    }
}
