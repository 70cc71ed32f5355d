package io.vinbind.server.binding;

import io.vinbind.protocol.UploadReason;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A rebind held by the {@code hold} policy.
 *
 * @param id the id operators approve or reject by
 * @param imsi the uploading IMSI
 * @param vin the uploaded VIN
 * @param requestId the upload's requestId (the decision is published as a bind-ack with it)
 * @param uploadReason why the terminal uploaded
 * @param requestedAt when the upload arrived
 * @param state where the hold is
 * @param decidedAt when it was decided
 * @param decidedBy who decided
 * @param terminalId the terminal that uploaded (the decision is published to it); empty for a hold made
 *     before protocol v2, whose terminal cannot be told
 */
public record PendingRebind(long id, String imsi, String vin, String requestId, UploadReason uploadReason,
                            Instant requestedAt, State state, Optional<Instant> decidedAt,
                            Optional<String> decidedBy, Optional<String> terminalId) {

    /** The life of a hold. */
    public enum State {
        PENDING, APPROVED, DENIED, SUPERSEDED
    }

    public PendingRebind {
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(vin, "vin");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(uploadReason, "uploadReason");
        Objects.requireNonNull(requestedAt, "requestedAt");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(decidedAt, "decidedAt");
        Objects.requireNonNull(decidedBy, "decidedBy");
        Objects.requireNonNull(terminalId, "terminalId");
    }
}
