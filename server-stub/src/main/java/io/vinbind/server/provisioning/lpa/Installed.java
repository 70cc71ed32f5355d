package io.vinbind.server.provisioning.lpa;

import io.vinbind.esim.message.Iccid;
import java.time.Duration;

/**
 * A profile installed by {@link ServerLpa#download}.
 *
 * @param transactionId the SM-DP+'s transactionId (hex)
 * @param iccid the installed profile
 * @param segments the package's segments (SGP.22 §2.5.5) loaded
 * @param bytes the package's size
 * @param took from the first ES10 request to the installation result
 */
public record Installed(String transactionId, Iccid iccid, int segments, int bytes, Duration took) {
}
