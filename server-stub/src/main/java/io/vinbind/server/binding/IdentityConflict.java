package io.vinbind.server.binding;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A login whose identities contradicted what the server knew, and what became of it.
 *
 * @param id the id operators approve or deny by
 * @param terminalId the terminal that logged in
 * @param imsi the IMSI it named
 * @param kind which contradiction
 * @param expected what the server knew (the other terminal, the registry's ICCID or IMEI)
 * @param reported what the login reported
 * @param requestId the login that raised it
 * @param raisedAt when it was first seen
 * @param lastSeenAt when the terminal last tried again
 * @param attempts how many logins ran into it
 * @param state where it is
 * @param decidedAt when an operator decided
 * @param decidedBy who decided (the credential's name)
 */
public record IdentityConflict(long id, String terminalId, String imsi, Kind kind, Optional<String> expected,
                               Optional<String> reported, Optional<String> requestId, Instant raisedAt,
                               Instant lastSeenAt, int attempts, State state, Optional<Instant> decidedAt,
                               Optional<String> decidedBy) {

    /** Which identity contradicts what the server knows. */
    public enum Kind {
        /** The IMSI is held by another terminal (its latest accepted login was that terminal's). */
        IMSI_HELD_BY_OTHER_TERMINAL,
        /** The ICCID differs from the factory registry's (and from the last accepted login's). */
        ICCID_MISMATCH,
        /** The IMEI differs from the factory registry's (and from the last accepted login's). */
        IMEI_MISMATCH
    }

    /** The life of a conflict. */
    public enum State {
        /** Held by the {@link IdentityPolicy#HOLD} policy, waiting for an operator. */
        HELD,
        /** Refused by the {@link IdentityPolicy#REFUSE} policy (an operator may still approve it). */
        REFUSED,
        /** Approved by an operator; the next login with these identities is accepted. */
        APPROVED,
        /** Denied by an operator; logins with these identities stay refused. */
        DENIED,
        /** An approved conflict whose login was then accepted. */
        ACCEPTED
    }

    public IdentityConflict {
        Objects.requireNonNull(terminalId, "terminalId");
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(reported, "reported");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(raisedAt, "raisedAt");
        Objects.requireNonNull(lastSeenAt, "lastSeenAt");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(decidedAt, "decidedAt");
        Objects.requireNonNull(decidedBy, "decidedBy");
    }
}
