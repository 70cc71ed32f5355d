package io.vinbind.server.binding;

import io.vinbind.protocol.Identifiers;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the server knows of one terminal (the identity its certificate names).
 *
 * @param terminalId the terminal's id
 * @param firstSeen when it first logged in (or was first named, e.g. revoked before it ever logged in)
 * @param lastLoginAt its latest accepted login
 * @param imsi the IMSI of its latest accepted login: the modem it holds
 * @param revokedAt when its credential was revoked
 * @param revokedBy who revoked it
 * @param revokeReason why
 */
public record TerminalRecord(String terminalId, Instant firstSeen, Optional<Instant> lastLoginAt,
                             Optional<String> imsi, Optional<Instant> revokedAt, Optional<String> revokedBy,
                             Optional<String> revokeReason) {

    public TerminalRecord {
        Identifiers.requireTerminalId(terminalId);
        Objects.requireNonNull(firstSeen, "firstSeen");
        Objects.requireNonNull(lastLoginAt, "lastLoginAt");
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(revokedAt, "revokedAt");
        Objects.requireNonNull(revokedBy, "revokedBy");
        Objects.requireNonNull(revokeReason, "revokeReason");
    }

    public boolean revoked() {
        return revokedAt.isPresent();
    }
}
