package io.vinbind.server.binding;

import io.vinbind.log.Untrusted;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import io.vinbind.server.registry.RegistryEntry;
import io.vinbind.server.store.ConflictException;
import io.vinbind.server.store.StoreException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The login gate. The terminal that speaks is the one the topic names (the broker authenticated it and
 * confines it to its own topics); the IMSI it reports is an identifier, checked against what the server
 * knows:
 * <ul>
 *   <li>only an IMSI registered at the factory may log in;</li>
 *   <li>a revoked terminal is refused;</li>
 *   <li>an IMSI that another terminal holds, or an ICCID or IMEI that differs from the registry (and from the
 *       last accepted login), is a <em>conflict</em>, handled by the {@link IdentityPolicy}: accepted and
 *       recorded, held for an operator, or refused — never silently;</li>
 *   <li>a known terminal with another registered IMSI had its modem replaced ({@link HistoryEvent#MODEM_REPLACED});
 *       that is no conflict.</li>
 * </ul>
 * An accepted login makes the terminal the holder of the IMSI; a bind is accepted only from the terminal
 * that holds its IMSI. Refusals store no answer (a replay is judged again). An accepted login's report of the
 * terminal (IMSI, ICCID, IMEI, and when given the EID and model information) is kept as the terminal's latest,
 * with a history of what changed ({@link ReportedIdentities}); an EID another terminal reported too is logged
 * as a warning and flagged there, never a refusal.
 */
public final class LoginService {

    private final BindingStore store;
    private final Clock clock;
    private final IdentityPolicy policy;

    public LoginService(BindingStore store, Clock clock, IdentityPolicy policy) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public IdentityPolicy policy() {
        return policy;
    }

    /**
     * Handles a login that arrived on the topic of {@code topicTerminal}.
     *
     * @param source who relayed it, for the history ({@code mqtt:<instance>})
     */
    public LoginResult login(LoginRequest request, String topicTerminal, String source) {
        if (!request.terminalId().equals(topicTerminal)) {
            Logger.warn("login {}: payload terminal {} differs from topic terminal {}", request.requestId(),
                request.terminalId(), topicTerminal);
            return refused(request, topicTerminal, ReasonCode.IDENTITY_MISMATCH);
        }
        try {
            return store.inTransaction("login of " + topicTerminal + " with " + request.imsi(),
                tx -> decide(tx, request, topicTerminal, source));
        } catch (ConflictException e) {
            Logger.warn("login {} of {}: {}", request.requestId(), topicTerminal, e.getMessage());
            return refused(request, topicTerminal, ReasonCode.CONFLICT_RETRY);
        } catch (StoreException e) {
            Logger.error(e, "login {} of {} failed", request.requestId(), topicTerminal);
            return refused(request, topicTerminal, ReasonCode.SERVER_ERROR);
        }
    }

    /**
     * The login as work for a group commit ({@link io.vinbind.server.store.Database#transactionEach}): the same
     * rules as {@link #login}, run on the group's connection. Empty when it is better decided alone by
     * {@link #login}: the payload names another terminal (nothing to commit), or the store is not JDBC. With a
     * {@code group} ({@link BindingService#newGroup}) its first reads are the group's.
     */
    public Optional<io.vinbind.server.store.SqlWork<LoginResult>> groupWork(LoginRequest request, String topicTerminal,
                                                                           String source,
                                                                           Optional<BindingStore.Group> group) {
        if (!request.terminalId().equals(topicTerminal)) {
            return Optional.empty();
        }
        if (group.isPresent()) {
            group.get().want(topicTerminal, request.imsi(), Optional.empty(), request.requestId());
            return Optional.of(group.get().onConnection(tx -> decide(tx, request, topicTerminal, source)));
        }
        return store.onConnection(tx -> decide(tx, request, topicTerminal, source));
    }

    private LoginResult decide(BindingStore.Tx tx, LoginRequest request, String terminal, String source)
        throws SQLException {
        Instant now = clock.instant();
        Optional<TerminalRecord> known = tx.lockTerminal(terminal);
        if (known.isPresent() && known.get().revoked()) {
            Logger.warn("login {}: terminal {} is revoked", request.requestId(), terminal);
            return refused(request, terminal, ReasonCode.TERMINAL_REVOKED);
        }
        String imsi = request.imsi();
        Optional<RegistryEntry> modem = tx.lockModem(imsi);
        if (modem.isEmpty()) {
            Logger.warn("login {}: IMSI {} of terminal {} is not registered", request.requestId(), imsi, terminal);
            return refused(request, terminal, ReasonCode.UNKNOWN_IMSI);
        }
        Optional<StoredAnswer> earlier = tx.answer(terminal, imsi, request.requestId(), BindingStore.RequestKind.LOGIN);
        if (earlier.isPresent()) {
            StoredAnswer a = earlier.get();
            return new LoginResult(new LoginAck(Protocol.VERSION, request.requestId(), terminal, imsi,
                LoginOutcome.valueOf(a.outcome()), a.reason()), true);
        }
        RegistryEntry entry = modem.get();
        Optional<String> holder = tx.terminalHolding(imsi).filter(t -> !t.equals(terminal));
        List<Contradiction> contradictions = new ArrayList<>();
        holder.ifPresent(t -> contradictions.add(new Contradiction(IdentityConflict.Kind.IMSI_HELD_BY_OTHER_TERMINAL,
            t, terminal)));
        if (differs(entry.modem().iccid(), entry.lastLoginIccid(), request.iccid())) {
            contradictions.add(new Contradiction(IdentityConflict.Kind.ICCID_MISMATCH,
                entry.modem().iccid().orElseThrow(), request.iccid()));
        }
        if (differs(entry.modem().imei(), entry.lastLoginImei(), request.imei())) {
            contradictions.add(new Contradiction(IdentityConflict.Kind.IMEI_MISMATCH,
                entry.modem().imei().orElseThrow(), request.imei()));
        }
        if (known.isEmpty()) {
            tx.insertTerminal(terminal, now);
            tx.appendHistory(HistoryEntry.of(HistoryEvent.TERMINAL_FIRST_SEEN, now, source).terminalId(terminal)
                .imsi(imsi).requestId(request.requestId()).build());
        }
        ReasonCode refusal = ReasonCode.NONE;
        List<IdentityConflict> approved = new ArrayList<>();
        for (Contradiction c : contradictions) {
            ReasonCode r = judge(tx, request, terminal, c, source, now, approved);
            if (r != ReasonCode.NONE && refusal != ReasonCode.IDENTITY_CONFLICT) {
                refusal = r; // a refusal outranks a hold: retrying cannot help while one part is refused
            }
        }
        if (refusal != ReasonCode.NONE) {
            return refused(request, terminal, refusal); // an approval stays APPROVED for the next login
        }
        for (IdentityConflict conflict : approved) { // consumed only by the login it let through
            tx.decideConflict(conflict.id(), IdentityConflict.State.ACCEPTED, now, "login " + request.requestId());
        }
        for (Contradiction c : contradictions) {
            HistoryEvent event = switch (c.kind()) {
                case IMSI_HELD_BY_OTHER_TERMINAL -> HistoryEvent.IMSI_MOVED;
                case ICCID_MISMATCH -> HistoryEvent.SIM_SWAP;
                case IMEI_MISMATCH -> HistoryEvent.MODEM_SWAP;
            };
            HistoryEntry.Builder row = HistoryEntry.of(event, now, source).terminalId(terminal).imsi(imsi)
                .requestId(request.requestId()).reason("login, identity policy " + policy.name().toLowerCase())
                .detail(describe(c));
            if (c.kind() == IdentityConflict.Kind.IMSI_HELD_BY_OTHER_TERMINAL) {
                row.previousTerminalId(c.expected());
                tx.releaseTerminalImsi(c.expected());
            }
            tx.appendHistory(row.build());
            Logger.warn("login {} of {} accepted although {}", request.requestId(), terminal, describe(c));
        }
        Optional<String> previousImsi = known.flatMap(TerminalRecord::imsi).filter(i -> !i.equals(imsi));
        if (previousImsi.isPresent()) {
            Optional<java.time.Instant> ordered = tx.openProfileSwitch(terminal, imsi);
            if (ordered.isPresent()) {
                // the eUICC enabled the profile the server ordered for this terminal: not a replaced modem
                tx.appendHistory(HistoryEntry.of(HistoryEvent.PROFILE_SWITCHED, now, source).terminalId(terminal)
                    .imsi(imsi).previousImsi(previousImsi.get()).requestId(request.requestId())
                    .reason("login; profile switch ordered at " + ordered.get()).build());
                Logger.info("terminal {} logged in with IMSI {} instead of {}: the profile switch ordered at {}",
                    terminal, imsi, previousImsi.get(), ordered.get());
            } else {
                tx.appendHistory(HistoryEntry.of(HistoryEvent.MODEM_REPLACED, now, source).terminalId(terminal)
                    .imsi(imsi).previousImsi(previousImsi.get()).requestId(request.requestId()).reason("login")
                    .build());
                Logger.info("terminal {} logged in with IMSI {} instead of {}: modem replaced", terminal, imsi,
                    previousImsi.get());
            }
        }
        tx.recordTerminalLogin(terminal, imsi, now);
        tx.recordLogin(imsi, request.iccid(), request.imei(), now);
        ReportedIdentities.Recorded reported = tx.recordReportedIdentity(request, now);
        if (!reported.changes().isEmpty()) { // one line per login that changed something, not per field
            StringBuilder what = new StringBuilder();
            for (ReportedIdentities.Change c : reported.changes()) {
                what.append(what.length() == 0 ? "" : ", ").append(c.field()).append(' ')
                    .append(Untrusted.escape(c.newValue()))
                    .append(c.oldValue().map(o -> " (was " + Untrusted.escape(o) + ")").orElse(""));
            }
            Logger.info("login {}: terminal {} reported {}", request.requestId(), terminal, what);
        }
        if (!reported.eidAlsoReportedBy().isEmpty()) {
            // one eUICC in two terminals: a cloned or misreported EID, or a card moved without the other
            // terminal having logged in since; worth an operator's look, no reason to refuse the login
            Logger.warn("login {} of {}: EID {} is also the latest reported by terminal(s) {}", request.requestId(),
                terminal, request.eid(), String.join(", ", reported.eidAlsoReportedBy()));
        }
        tx.saveAnswer(terminal, imsi, request.requestId(), BindingStore.RequestKind.LOGIN,
            new StoredAnswer("", LoginOutcome.ACCEPTED.name(), ReasonCode.NONE), now);
        return new LoginResult(LoginAck.accepted(request.requestId(), terminal, imsi), false);
    }

    /**
     * What the policy (or an operator's earlier decision) makes of one contradiction: NONE to let it through,
     * otherwise the refusal. Each distinct contradiction is recorded once; a terminal trying again only counts.
     * An approved conflict lets it through and is added to {@code approved}: the caller marks it ACCEPTED only
     * when the whole login is accepted, so a login refused for another reason does not use the approval up.
     */
    private ReasonCode judge(BindingStore.Tx tx, LoginRequest request, String terminal, Contradiction c,
                             String source, Instant now, List<IdentityConflict> approved) throws SQLException {
        String imsi = request.imsi();
        Optional<IdentityConflict> earlier = tx.lockConflict(terminal, imsi, c.kind(), c.reported());
        if (earlier.isPresent()) {
            IdentityConflict conflict = earlier.get();
            switch (conflict.state()) {
                case APPROVED -> {
                    approved.add(conflict);
                    return ReasonCode.NONE;
                }
                case HELD -> {
                    tx.touchConflict(conflict.id(), now);
                    return ReasonCode.IDENTITY_HELD;
                }
                case REFUSED, DENIED -> {
                    tx.touchConflict(conflict.id(), now);
                    return ReasonCode.IDENTITY_CONFLICT;
                }
                case ACCEPTED -> {
                    // accepted once; the situation has come back (say the IMSI went to another terminal and
                    // returned): judge it afresh below
                }
            }
        }
        if (policy == IdentityPolicy.ACCEPT) {
            return ReasonCode.NONE;
        }
        boolean hold = policy == IdentityPolicy.HOLD;
        long id = tx.insertConflict(terminal, imsi, c.kind(), c.expected(), c.reported(), request.requestId(),
            hold ? IdentityConflict.State.HELD : IdentityConflict.State.REFUSED, now);
        HistoryEntry.Builder row = HistoryEntry.of(hold ? HistoryEvent.IDENTITY_HELD : HistoryEvent.IDENTITY_REFUSED,
            now, source).terminalId(terminal).imsi(imsi).requestId(request.requestId())
            .reason(c.kind().name()).detail(describe(c) + "; conflict " + id);
        if (c.kind() == IdentityConflict.Kind.IMSI_HELD_BY_OTHER_TERMINAL) {
            row.previousTerminalId(c.expected());
        }
        tx.appendHistory(row.build());
        Logger.warn("login {} of {} {}: {} (conflict {})", request.requestId(), terminal,
            hold ? "held for an operator" : "refused", describe(c), id);
        return hold ? ReasonCode.IDENTITY_HELD : ReasonCode.IDENTITY_CONFLICT;
    }

    /** One way the identities of a login contradict what the server knows. */
    private record Contradiction(IdentityConflict.Kind kind, String expected, String reported) {
    }

    private static String describe(Contradiction c) {
        return switch (c.kind()) {
            case IMSI_HELD_BY_OTHER_TERMINAL -> "the IMSI is held by terminal " + c.expected();
            case ICCID_MISMATCH -> "registry ICCID " + c.expected() + ", login reported " + c.reported();
            case IMEI_MISMATCH -> "registry IMEI " + c.expected() + ", login reported " + c.reported();
        };
    }

    /** Differs from the registry (when it has a value) and from what the previous login already reported. */
    private static boolean differs(Optional<String> registered, Optional<String> lastReported, String reported) {
        return registered.isPresent() && !registered.get().equals(reported)
            && !lastReported.map(reported::equals).orElse(false);
    }

    private static LoginResult refused(LoginRequest request, String topicTerminal, ReasonCode reason) {
        return new LoginResult(LoginAck.rejected(request.requestId(), topicTerminal, request.imsi(), reason), false);
    }
}
