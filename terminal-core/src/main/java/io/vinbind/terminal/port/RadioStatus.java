package io.vinbind.terminal.port;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the modem last said about the radio, for the status records: signal ({@code AT+CSQ}, 3GPP TS 27.007 §8.5) and
 * registration ({@code +CEREG}/{@code +CGREG}/{@code +CREG}, §10.1.22/§10.1.20/§7.2, read or reported by URC).
 *
 * @param rssiDbm          received signal strength in dBm, empty when the modem does not know it ({@code 99})
 * @param bitErrorRate     RxQual 0..7, empty when unknown
 * @param registration     the registration that matters ({@code HOME}, {@code ROAMING}, {@code SEARCHING},
 *                         {@code DENIED}, {@code NOT_SEARCHING}, {@code UNKNOWN}, …: 27.007's {@code <stat>} names)
 * @param domain           the domain it was reported for ({@code EPS}, {@code GPRS}, {@code CS})
 * @param accessTechnology {@code <AcT>} when reported ({@code E_UTRAN}, {@code UTRAN}, …)
 * @param readAt           when the signal was last read
 * @param fresh            false when the last attempt to read failed and these are older values
 */
public record RadioStatus(OptionalInt rssiDbm, OptionalInt bitErrorRate, String registration, String domain,
                          Optional<String> accessTechnology, Instant readAt, boolean fresh) {

    public RadioStatus {
        Objects.requireNonNull(rssiDbm, "rssiDbm");
        Objects.requireNonNull(bitErrorRate, "bitErrorRate");
        Objects.requireNonNull(registration, "registration");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(accessTechnology, "accessTechnology");
        Objects.requireNonNull(readAt, "readAt");
    }

    /** The same values, marked as not refreshed by the last attempt. */
    public RadioStatus stale() {
        return new RadioStatus(rssiDbm, bitErrorRate, registration, domain, accessTechnology, readAt, false);
    }

    /**
     * The facts a status record carries: {@code rssi} (dBm, or {@code unknown}), {@code ber} when known, {@code reg},
     * {@code reg_domain}, {@code act} when reported, and {@code radio=stale} when the last read failed.
     */
    public Map<String, String> facts() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("rssi", rssiDbm.isPresent() ? Integer.toString(rssiDbm.getAsInt()) : "unknown");
        bitErrorRate.ifPresent(b -> f.put("ber", Integer.toString(b)));
        f.put("reg", registration);
        f.put("reg_domain", domain);
        accessTechnology.ifPresent(a -> f.put("act", a));
        if (!fresh) {
            f.put("radio", "stale");
        }
        return f;
    }
}
