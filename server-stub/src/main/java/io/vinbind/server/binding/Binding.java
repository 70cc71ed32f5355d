package io.vinbind.server.binding;

import io.vinbind.protocol.Identifiers;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A live IMSI ↔ VIN binding.
 *
 * @param imsi the modem's IMSI
 * @param vin the vehicle's VIN
 * @param boundAt when it was bound
 * @param requestId the terminal request that bound it; empty if bound otherwise
 * @param terminalId the terminal through which it was bound; empty for a binding made before protocol v2
 */
public record Binding(String imsi, String vin, Instant boundAt, Optional<String> requestId,
                      Optional<String> terminalId) {

    public Binding {
        Identifiers.requireImsi(imsi);
        Objects.requireNonNull(vin, "vin");
        Objects.requireNonNull(boundAt, "boundAt");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(terminalId, "terminalId");
    }
}
