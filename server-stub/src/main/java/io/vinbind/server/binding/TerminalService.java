package io.vinbind.server.binding;

import io.vinbind.protocol.Identifiers;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import io.vinbind.server.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * What operators do about terminals: look one up, revoke its credential, and decide the identity conflicts
 * that the {@link IdentityPolicy} held or refused. Every decision is in the history under the operator's
 * credential name.
 */
public final class TerminalService {

    private final BindingStore store;
    private final Clock clock;
    private final Consumer<String> onRevoked;

    /**
     * @param onRevoked told the id of each terminal revoked, after the revocation committed (the broker
     *     disconnects it and refuses it from then on)
     */
    public TerminalService(BindingStore store, Clock clock, Consumer<String> onRevoked) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onRevoked = Objects.requireNonNull(onRevoked, "onRevoked");
    }

    public Optional<TerminalRecord> terminal(String terminalId) throws StoreException {
        Identifiers.requireTerminalId(terminalId);
        return store.read("terminal " + terminalId, tx -> tx.lockTerminal(terminalId));
    }

    /**
     * Revokes a terminal: its requests are refused with TERMINAL_REVOKED from now on, on every instance.
     * A terminal never heard of is recorded as revoked too (a stolen one may not have logged in yet).
     *
     * @return the terminal as now stored
     * @throws IllegalStateException when it was already revoked
     */
    public TerminalRecord revoke(String terminalId, String operator, String why) throws StoreException {
        Identifiers.requireTerminalId(terminalId);
        String reason = why == null || why.isBlank() ? "revoked" : why;
        TerminalRecord revoked = store.inTransaction("revoke terminal " + terminalId, tx -> {
            Instant now = clock.instant();
            Optional<TerminalRecord> known = tx.lockTerminal(terminalId);
            if (known.isPresent() && known.get().revoked()) {
                throw new IllegalStateException("terminal " + terminalId + " was already revoked at "
                    + known.get().revokedAt().get() + " by " + known.get().revokedBy().orElse("?"));
            }
            if (known.isEmpty()) {
                tx.insertTerminal(terminalId, now);
            }
            tx.revokeTerminal(terminalId, now, operator, reason);
            tx.appendHistory(HistoryEntry.of(HistoryEvent.TERMINAL_REVOKED, now, "http:" + operator)
                .terminalId(terminalId).imsi(known.flatMap(TerminalRecord::imsi).orElse(null)).reason(reason).build());
            return tx.lockTerminal(terminalId).orElseThrow();
        });
        Logger.warn("terminal {} revoked by {}: {}", terminalId, operator, reason);
        onRevoked.accept(terminalId);
        return revoked;
    }

    /** Conflicts waiting for an operator (held) or refused, oldest first. */
    public List<IdentityConflict> openConflicts(int limit) throws StoreException {
        return store.read("identity conflicts", tx -> tx.conflicts(
            EnumSet.of(IdentityConflict.State.HELD, IdentityConflict.State.REFUSED), limit));
    }

    /**
     * Approves a held or refused conflict: the terminal's next login with these identities is accepted
     * (and recorded as what it is: SIM_SWAP, MODEM_SWAP or IMSI_MOVED).
     *
     * @throws NotFoundException when there is no such conflict
     * @throws IllegalStateException when it is not held or refused
     */
    public IdentityConflict approve(long id, String operator) throws StoreException, NotFoundException {
        return decide(id, true, operator);
    }

    /** Denies a held conflict: logins with these identities are refused with IDENTITY_CONFLICT. */
    public IdentityConflict deny(long id, String operator) throws StoreException, NotFoundException {
        return decide(id, false, operator);
    }

    private IdentityConflict decide(long id, boolean approve, String operator)
        throws StoreException, NotFoundException {
        Optional<IdentityConflict> decided = store.inTransaction((approve ? "approve" : "deny") + " conflict " + id,
            tx -> {
                Optional<IdentityConflict> found = tx.lockConflict(id);
                if (found.isEmpty()) {
                    return Optional.<IdentityConflict>empty();
                }
                IdentityConflict c = found.get();
                boolean open = c.state() == IdentityConflict.State.HELD || c.state() == IdentityConflict.State.REFUSED;
                if (!open || (!approve && c.state() == IdentityConflict.State.REFUSED)) {
                    throw new IllegalStateException("identity conflict " + id + " is " + c.state()
                        + (approve ? "; only a held or refused one can be approved" : "; only a held one can be denied"));
                }
                Instant now = clock.instant();
                tx.decideConflict(id, approve ? IdentityConflict.State.APPROVED : IdentityConflict.State.DENIED, now,
                    operator);
                tx.appendHistory(HistoryEntry.of(approve ? HistoryEvent.IDENTITY_APPROVED : HistoryEvent.IDENTITY_DENIED,
                    now, "http:" + operator).terminalId(c.terminalId()).imsi(c.imsi()).reason(c.kind().name())
                    .detail("conflict " + id + ": expected " + c.expected().orElse("?") + ", reported "
                        + c.reported().orElse("?")).build());
                return tx.lockConflict(id);
            });
        IdentityConflict c = decided.orElseThrow(() -> new NotFoundException("no identity conflict with id " + id));
        Logger.info("identity conflict {} ({} of terminal {}) {} by {}", id, c.kind(), c.terminalId(),
            approve ? "approved" : "denied", operator);
        return c;
    }
}
