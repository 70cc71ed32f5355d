package io.vinbind.modem;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * {@code +CSQ: <rssi>,<ber>} (3GPP TS 27.007 §8.5). rssi 0 is −113 dBm or less, 1 is −111, 2..30 map
 * linearly to −109..−53 dBm, 31 is −51 dBm or more, 99 unknown; ber 0..7 (RxQual), 99 unknown.
 *
 * @param rssiDbm   received signal strength, empty if the modem does not know it
 * @param bitErrorRate RxQual 0..7, empty if unknown
 * @param rawLine   the line as received
 */
public record SignalQuality(OptionalInt rssiDbm, OptionalInt bitErrorRate, String rawLine) {

    public static final int RSSI_UNKNOWN = 99;

    public SignalQuality {
        Objects.requireNonNull(rssiDbm, "rssiDbm");
        Objects.requireNonNull(bitErrorRate, "bitErrorRate");
        Objects.requireNonNull(rawLine, "rawLine");
    }

    /** Maps {@code <rssi>} to dBm. */
    public static OptionalInt rssiToDbm(int rssi) {
        if (rssi == RSSI_UNKNOWN) {
            return OptionalInt.empty();
        }
        if (rssi < 0 || rssi > 31) {
            throw new IllegalArgumentException("+CSQ <rssi> must be 0..31 or 99: " + rssi);
        }
        return OptionalInt.of(-113 + 2 * rssi);
    }

    /** Parses {@code +CSQ: <rssi>,<ber>}. */
    public static SignalQuality parse(String line) {
        Objects.requireNonNull(line, "line");
        if (!line.regionMatches(true, 0, "+CSQ:", 0, 5)) {
            throw new IllegalArgumentException("not a +CSQ answer: '" + line + "'");
        }
        var f = Registration.fields(line.substring(5));
        if (f.size() < 2) {
            throw new IllegalArgumentException("+CSQ answer needs <rssi>,<ber>: '" + line + "'");
        }
        int rssi = Registration.parseInt(f.get(0), "rssi", line);
        int ber = Registration.parseInt(f.get(1), "ber", line);
        OptionalInt dbm;
        try {
            dbm = rssiToDbm(rssi);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " in '" + line + "'", e);
        }
        if (ber != 99 && (ber < 0 || ber > 7)) {
            throw new IllegalArgumentException("+CSQ <ber> must be 0..7 or 99: " + ber + " in '" + line + "'");
        }
        return new SignalQuality(dbm, ber == 99 ? OptionalInt.empty() : OptionalInt.of(ber), line.strip());
    }
}
