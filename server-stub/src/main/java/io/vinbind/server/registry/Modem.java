package io.vinbind.server.registry;

import io.vinbind.protocol.Identifiers;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A modem identity registered at the factory.
 *
 * @param imsi the SIM's IMSI, the key
 * @param iccid the SIM's ICCID, if the factory recorded it
 * @param imei the modem's IMEI, if recorded
 * @param batch production batch
 * @param partNumber the terminal's part number
 * @param registeredAt when the factory registered it
 */
public record Modem(String imsi, Optional<String> iccid, Optional<String> imei, Optional<String> batch,
                    Optional<String> partNumber, Instant registeredAt) {

    /** Longest batch or part number kept. */
    public static final int MAX_TEXT = 64;

    public Modem {
        Identifiers.requireImsi(imsi);
        Objects.requireNonNull(iccid, "iccid").ifPresent(Identifiers::requireIccid);
        Objects.requireNonNull(imei, "imei").ifPresent(Identifiers::requireImei);
        checkText("batch", Objects.requireNonNull(batch, "batch"));
        checkText("part number", Objects.requireNonNull(partNumber, "partNumber"));
        Objects.requireNonNull(registeredAt, "registeredAt");
    }

    /** Same registry content (the registration time is not compared: re-importing a file is a no-op). */
    boolean sameIdentity(Modem other) {
        return imsi.equals(other.imsi) && iccid.equals(other.iccid) && imei.equals(other.imei)
            && batch.equals(other.batch) && partNumber.equals(other.partNumber);
    }

    private static void checkText(String field, Optional<String> value) {
        value.ifPresent(v -> {
            if (v.isEmpty() || v.length() > MAX_TEXT || !v.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
                throw new IllegalArgumentException(field + " '" + Identifiers.printable(v) + "' must be 1-"
                    + MAX_TEXT + " printable ASCII characters");
            }
        });
    }
}
