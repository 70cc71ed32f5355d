package io.vinbind.can.uds;

import io.vinbind.can.Hex;
import java.util.Arrays;
import java.util.Objects;

/**
 * A positive response: {@code (SID+0x40) parameters...}.
 *
 * @param serviceId  the request's SID (not the response SID)
 * @param parameters the bytes after the response SID; copied in and out
 */
public record PositiveResponse(int serviceId, byte[] parameters) implements UdsResponse {

    public PositiveResponse {
        Objects.requireNonNull(parameters, "parameters");
        parameters = parameters.clone();
    }

    @Override
    public byte[] parameters() {
        return parameters.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PositiveResponse p && p.serviceId == serviceId && Arrays.equals(p.parameters, parameters);
    }

    @Override
    public int hashCode() {
        return serviceId * 31 + Arrays.hashCode(parameters);
    }

    @Override
    public String toString() {
        return String.format("positive response to 0x%02X: %s", serviceId, Hex.spaced(parameters));
    }
}
