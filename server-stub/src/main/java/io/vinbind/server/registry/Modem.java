package io.vinbind.server.registry;

import io.vinbind.log.Untrusted;
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
    /**
     * Earliest registration time accepted: before any LTE module a terminal could hold. With
     * {@link #LATEST_REGISTRATION}, the range keeps a typo (year 20266) or a value no database column holds
     * ({@code +1000000000-12-31T23:59:59Z} parses as an {@link Instant}) out of the registry.
     */
    public static final Instant EARLIEST_REGISTRATION = Instant.parse("2000-01-01T00:00:00Z");
    /** Latest registration time accepted (inclusive). */
    public static final Instant LATEST_REGISTRATION = Instant.parse("2099-12-31T23:59:59.999999999Z");

    public Modem {
        Identifiers.requireImsi(imsi);
        Objects.requireNonNull(iccid, "iccid").ifPresent(Identifiers::requireIccid);
        Objects.requireNonNull(imei, "imei").ifPresent(Identifiers::requireImei);
        checkText("batch", Objects.requireNonNull(batch, "batch"));
        checkText("part number", Objects.requireNonNull(partNumber, "partNumber"));
        checkRegisteredAt(Objects.requireNonNull(registeredAt, "registeredAt"));
    }

    /** @throws IllegalArgumentException naming the time and the range when it is outside the range */
    static void checkRegisteredAt(Instant t) {
        if (t.isBefore(EARLIEST_REGISTRATION) || t.isAfter(LATEST_REGISTRATION)) {
            throw new IllegalArgumentException("registered_at '" + t + "' is outside " + EARLIEST_REGISTRATION
                + " .. 2099-12-31T23:59:59Z");
        }
    }

    /** Same registry content (the registration time is not compared: re-importing a file is a no-op). */
    boolean sameIdentity(Modem other) {
        return imsi.equals(other.imsi) && iccid.equals(other.iccid) && imei.equals(other.imei)
            && batch.equals(other.batch) && partNumber.equals(other.partNumber);
    }

    private static void checkText(String field, Optional<String> value) {
        value.ifPresent(v -> {
            if (v.isEmpty() || v.length() > MAX_TEXT || !v.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
                throw new IllegalArgumentException(field + " '" + Untrusted.escape(v, 80) + "' must be 1-"
                    + MAX_TEXT + " printable ASCII characters");
            }
        });
    }
}
