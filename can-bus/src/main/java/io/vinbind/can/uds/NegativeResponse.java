package io.vinbind.can.uds;

import java.util.Optional;

/**
 * A negative response {@code 7F SID NRC} (ISO 14229-1, 7.5).
 *
 * @param serviceId the SID of the refused request
 * @param nrcCode   the negative response code byte, kept raw because ECUs use reserved and
 *                  manufacturer-specific codes too
 */
public record NegativeResponse(int serviceId, int nrcCode) implements UdsResponse, DidReadResult {

    public NegativeResponse {
        if (serviceId < 0 || serviceId > 0xFF || nrcCode < 0 || nrcCode > 0xFF) {
            throw new IllegalArgumentException("negative response fields must be bytes: SID " + serviceId
                    + ", NRC " + nrcCode);
        }
    }

    public NegativeResponse(UdsService service, Nrc nrc) {
        this(service.id(), nrc.code());
    }

    /** The code as a known {@link Nrc}, if it is one. */
    public Optional<Nrc> nrc() {
        return Nrc.fromCode(nrcCode);
    }

    /** True for NRC 0x78, which announces a later answer rather than refusing. */
    public boolean isResponsePending() {
        return nrcCode == Nrc.REQUEST_CORRECTLY_RECEIVED_RESPONSE_PENDING.code();
    }

    @Override
    public String toString() {
        return String.format("negative response to 0x%02X: NRC %s", serviceId,
                nrc().map(Nrc::toString).orElse(String.format("0x%02X", nrcCode)));
    }
}
