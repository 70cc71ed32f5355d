package io.vinbind.server.binding;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.InvalidVinException;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.UploadReason;
import io.vinbind.protocol.Vin;
import io.vinbind.protocol.VinPolicy;
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
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The binding rules of DESIGN.md, for an upload of VIN <i>v</i> from registered, logged-in IMSI <i>i</i>:
 * <ol>
 *   <li><i>i</i> already bound to <i>v</i> → ALREADY_BOUND, nothing changes;</li>
 *   <li><i>i</i> bound to another VIN → release it, bind <i>i</i> ↔ <i>v</i> → REBOUND;</li>
 *   <li><i>i</i> unbound → bind → BOUND;</li>
 *   <li>and if <i>v</i> is bound to another IMSI, that pair is released in the same transaction.</li>
 * </ol>
 * Rules 2 and 4 are "rebinds" and go through the {@link RebindPolicy}. Each request is decided in one
 * transaction that first row-locks the IMSI's registry row, so requests for one IMSI are serialised on every
 * server instance; the database's unique constraints on the live binding's IMSI and VIN settle races
 * between different IMSIs (the loser retries and sees the winner's binding). The answer is stored with the
 * requestId so that a replay gets the same ack and appends no history.
 *
 * <p>The terminal that speaks is the one the topic names (authenticated by the broker); it may bind only the
 * IMSI it holds, i.e. the one its latest accepted login named ({@link LoginService}). A VIN bound through
 * another terminal and now uploaded by this one is a terminal replacement, recorded as
 * {@link HistoryEvent#TERMINAL_REPLACED} with the rebind (which the policy still governs).
 *
 * <p>Refusals for bad input (identity mismatch, invalid VIN, unknown IMSI, not logged in, revoked) write
 * nothing.
 */
public final class BindingService {

    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");
    private static final Pattern OPERATOR = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");

    private final BindingStore store;
    private final Clock clock;
    private final RebindPolicy policy;
    private final VinPolicy vinPolicy;

    public BindingService(BindingStore store, Clock clock, RebindPolicy policy, VinPolicy vinPolicy) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.vinPolicy = Objects.requireNonNull(vinPolicy, "vinPolicy");
    }

    public RebindPolicy policy() {
        return policy;
    }

    /**
     * Decides a bind request that arrived on the topic of {@code topicImsi}.
     *
     * @param source who relayed it, for the history ({@code mqtt:<instance>})
     */
    public BindResult bind(BindRequest request, String topicTerminal, String source) {
        if (!request.terminalId().equals(topicTerminal)) {
            Logger.warn("bind {}: payload terminal {} differs from topic terminal {}", request.requestId(),
                request.terminalId(), topicTerminal);
            return refused(request, topicTerminal, ReasonCode.IDENTITY_MISMATCH);
        }
        Vin vin;
        try {
            vin = Vin.parse(request.vin(), vinPolicy);
        } catch (InvalidVinException e) {
            Logger.warn("bind {} from {}: {}", request.requestId(), topicTerminal, e.getMessage());
            return refused(request, topicTerminal, ReasonCode.INVALID_VIN);
        }
        try {
            return store.inTransaction("bind " + request.requestId() + " of " + topicTerminal,
                tx -> decide(tx, request, vin.value(), source));
        } catch (ConflictException e) {
            Logger.warn("bind {} of {}: {}", request.requestId(), topicTerminal, e.getMessage());
            return refused(request, topicTerminal, ReasonCode.CONFLICT_RETRY);
        } catch (StoreException e) {
            Logger.error(e, "bind {} of {} failed", request.requestId(), topicTerminal);
            return refused(request, topicTerminal, ReasonCode.SERVER_ERROR);
        }
    }

    /**
     * The bind as work for a group commit ({@link io.vinbind.server.store.Database#transactionEach}): the same
     * rules as {@link #bind}, run on the group's connection. Empty when the request is better decided alone by
     * {@link #bind}: it is refused before the rules (identity mismatch, invalid VIN: nothing to commit), or the
     * store is not a JDBC database. With a {@code group} ({@link #newGroup}) its first reads are the group's.
     */
    public Optional<io.vinbind.server.store.SqlWork<BindResult>> groupWork(BindRequest request, String topicTerminal,
                                                                          String source,
                                                                          Optional<BindingStore.Group> group) {
        if (!request.terminalId().equals(topicTerminal)) {
            return Optional.empty();
        }
        Vin vin;
        try {
            vin = Vin.parse(request.vin(), vinPolicy);
        } catch (InvalidVinException e) {
            return Optional.empty();
        }
        if (group.isPresent()) {
            group.get().want(topicTerminal, request.imsi(), Optional.of(vin.value()), request.requestId());
            return Optional.of(group.get().onConnection(tx -> decide(tx, request, vin.value(), source)));
        }
        return store.onConnection(tx -> decide(tx, request, vin.value(), source));
    }

    /** A group for {@link #groupWork} and {@link LoginService#groupWork} (reads shared by a group commit). */
    public Optional<BindingStore.Group> newGroup() {
        return store.group();
    }

    private BindResult decide(BindingStore.Tx tx, BindRequest request, String vin, String source)
        throws SQLException {
        String terminal = request.terminalId();
        String imsi = request.imsi();
        Optional<TerminalRecord> known = tx.lockTerminal(terminal);
        if (known.isPresent() && known.get().revoked()) {
            Logger.warn("bind {}: terminal {} is revoked", request.requestId(), terminal);
            return refused(request, terminal, ReasonCode.TERMINAL_REVOKED);
        }
        Optional<RegistryEntry> modem = tx.lockModem(imsi);
        if (modem.isEmpty()) {
            Logger.warn("bind {}: IMSI {} of terminal {} is not registered", request.requestId(), imsi, terminal);
            return refused(request, terminal, ReasonCode.UNKNOWN_IMSI);
        }
        Optional<StoredAnswer> earlier = tx.answer(terminal, imsi, request.requestId(), BindingStore.RequestKind.BIND);
        if (earlier.isPresent()) {
            StoredAnswer a = earlier.get();
            Logger.info("bind {} of {} replayed: {} {}", request.requestId(), terminal, a.outcome(), a.reason());
            return new BindResult(new BindAck(Protocol.VERSION, request.requestId(), terminal, imsi, a.vin(),
                BindOutcome.valueOf(a.outcome()), a.reason()), true);
        }
        if (known.isEmpty() || !known.get().imsi().equals(Optional.of(imsi))) {
            Logger.warn("bind {}: terminal {} holds {}, not IMSI {}: log in first", request.requestId(), terminal,
                known.flatMap(TerminalRecord::imsi).orElse("no IMSI"), imsi);
            return refused(request, terminal, ReasonCode.NOT_LOGGED_IN);
        }
        Instant now = clock.instant();
        Optional<Binding> ofImsi = tx.bindingOfImsi(imsi);
        Optional<Binding> ofVin = tx.bindingOfVin(vin);
        BindOutcome outcome;
        ReasonCode reason = ReasonCode.NONE;
        Optional<Instant> switchOrdered = request.reason() == UploadReason.PROFILE_SWITCHED
            ? tx.openProfileSwitch(terminal, imsi) : Optional.empty();
        if (switchOrdered.isPresent()) {
            tx.completeProfileSwitch(terminal, imsi, now);
        }
        if (ofImsi.isPresent() && ofImsi.get().vin().equals(vin)) {
            outcome = BindOutcome.ALREADY_BOUND;
        } else if (switchOrdered.isPresent() && ofImsi.isEmpty() && ofVin.isPresent()) {
            // the change the server ordered: the VIN moves from the old IMSI to the new one whatever the rebind
            // policy (the policy guards against changes nobody ordered), and the history says so
            String why = "profile switch ordered at " + switchOrdered.get();
            rebind(tx, terminal, imsi, vin, ofImsi, ofVin, request.requestId(), request.reason().name(), source, now);
            tx.appendHistory(HistoryEntry.of(HistoryEvent.PROFILE_SWITCHED, now, source).terminalId(terminal)
                .imsi(imsi).vin(vin).previousImsi(ofVin.map(Binding::imsi).orElse(null))
                .reason(why).requestId(request.requestId()).build());
            outcome = BindOutcome.REBOUND;
        } else if (ofImsi.isEmpty() && ofVin.isEmpty()) {
            tx.insertBinding(new Binding(imsi, vin, now, Optional.of(request.requestId()), Optional.of(terminal)));
            tx.appendHistory(HistoryEntry.of(HistoryEvent.BOUND, now, source).terminalId(terminal).imsi(imsi).vin(vin)
                .reason(request.reason().name()).requestId(request.requestId()).build());
            outcome = BindOutcome.BOUND;
        } else {
            switch (policy) {
                case AUTO -> {
                    rebind(tx, terminal, imsi, vin, ofImsi, ofVin, request.requestId(), request.reason().name(),
                        source, now);
                    outcome = BindOutcome.REBOUND;
                }
                case REJECT -> {
                    tx.appendHistory(HistoryEntry.of(HistoryEvent.REBIND_REJECTED, now, source).terminalId(terminal)
                        .imsi(imsi).vin(vin)
                        .previousVin(ofImsi.map(Binding::vin).orElse(null))
                        .previousImsi(ofVin.map(Binding::imsi).orElse(null))
                        .reason("policy reject; upload " + request.reason()).requestId(request.requestId()).build());
                    outcome = BindOutcome.REJECTED;
                    reason = ReasonCode.REBIND_REJECTED;
                }
                case HOLD -> {
                    for (PendingRebind older : tx.openPendingOf(imsi)) {
                        tx.decidePending(older.id(), PendingRebind.State.SUPERSEDED, now, source);
                        tx.appendHistory(HistoryEntry.of(HistoryEvent.REBIND_SUPERSEDED, now, source)
                            .terminalId(terminal).imsi(imsi)
                            .vin(older.vin()).requestId(older.requestId())
                            .detail("hold " + older.id() + " superseded by request " + request.requestId()).build());
                    }
                    long id = tx.insertPending(terminal, imsi, vin, request.requestId(), request.reason(), now);
                    tx.appendHistory(HistoryEntry.of(HistoryEvent.REBIND_HELD, now, source).terminalId(terminal)
                        .imsi(imsi).vin(vin)
                        .previousVin(ofImsi.map(Binding::vin).orElse(null))
                        .previousImsi(ofVin.map(Binding::imsi).orElse(null))
                        .reason("policy hold; upload " + request.reason()).requestId(request.requestId())
                        .detail("hold " + id).build());
                    outcome = BindOutcome.PENDING;
                    reason = ReasonCode.REBIND_HELD;
                }
                default -> throw new IllegalStateException("unknown policy " + policy);
            }
        }
        tx.saveAnswer(terminal, imsi, request.requestId(), BindingStore.RequestKind.BIND,
            new StoredAnswer(vin, outcome.name(), reason), now);
        Logger.info("bind {}: {} {} <-> {} {}{}", request.requestId(), terminal, imsi, vin, outcome,
            reason == ReasonCode.NONE ? "" : " " + reason);
        return new BindResult(new BindAck(Protocol.VERSION, request.requestId(), terminal, imsi, vin, outcome, reason),
            false);
    }

    /**
     * Rules 2 and 4: release the IMSI's old pair and the VIN's old pair, then bind the new pair. A VIN whose
     * pair was made through another terminal has had its terminal replaced: recorded as such.
     */
    private static void rebind(BindingStore.Tx tx, String terminal, String imsi, String vin, Optional<Binding> ofImsi,
                               Optional<Binding> ofVin, String requestId, String why, String source, Instant now)
        throws SQLException {
        if (ofImsi.isPresent()) {
            Binding old = ofImsi.get();
            tx.deleteBinding(old);
            tx.appendHistory(HistoryEntry.of(HistoryEvent.RELEASED, now, source).terminalId(old.terminalId().orElse(null))
                .imsi(old.imsi()).vin(old.vin()).reason("IMSI rebound to VIN " + vin).requestId(requestId).build());
        }
        Optional<String> previousTerminal = Optional.empty();
        if (ofVin.isPresent() && !ofVin.equals(ofImsi)) {
            Binding old = ofVin.get();
            tx.deleteBinding(old);
            tx.appendHistory(HistoryEntry.of(HistoryEvent.RELEASED, now, source).terminalId(old.terminalId().orElse(null))
                .imsi(old.imsi()).vin(old.vin()).reason("VIN rebound to IMSI " + imsi).requestId(requestId).build());
            previousTerminal = old.terminalId().filter(t -> !t.equals(terminal));
        }
        if (previousTerminal.isPresent()) {
            tx.appendHistory(HistoryEntry.of(HistoryEvent.TERMINAL_REPLACED, now, source).terminalId(terminal)
                .previousTerminalId(previousTerminal.get()).imsi(imsi).previousImsi(ofVin.get().imsi()).vin(vin)
                .reason(why).requestId(requestId).build());
            Logger.info("VIN {} was bound through terminal {}, now through {}: terminal replaced", vin,
                previousTerminal.get(), terminal);
        }
        tx.insertBinding(new Binding(imsi, vin, now, Optional.of(requestId), Optional.of(terminal)));
        tx.appendHistory(HistoryEntry.of(HistoryEvent.REBOUND, now, source).terminalId(terminal).imsi(imsi).vin(vin)
            .previousVin(ofImsi.map(Binding::vin).orElse(null)).previousImsi(ofVin.map(Binding::imsi).orElse(null))
            .previousTerminalId(previousTerminal.orElse(null)).reason(why).requestId(requestId).build());
    }

    /**
     * Approves a held rebind: applies it now (the state may have moved on since it was held) and returns
     * the bind-ack to publish to the terminal with the original requestId.
     *
     * @throws NotFoundException when there is no such hold
     * @throws IllegalStateException when it was already decided or superseded
     */
    public BindAck approve(long holdId, String operator) throws StoreException, NotFoundException {
        String by = requireOperator(operator);
        return decideHold(holdId, true, by).orElseThrow(
            () -> new IllegalStateException("hold " + holdId + " approved without an ack to publish"));
    }

    /**
     * Rejects a held rebind; returns the REJECTED / REBIND_DENIED ack to publish, or nothing for a hold made
     * before protocol v2, which names no terminal to tell (it is rejected all the same, and the terminal's
     * next upload is decided afresh).
     *
     * @throws NotFoundException when there is no such hold
     * @throws IllegalStateException when it was already decided or superseded
     */
    public Optional<BindAck> deny(long holdId, String operator) throws StoreException, NotFoundException {
        String by = requireOperator(operator);
        return decideHold(holdId, false, by);
    }

    /**
     * Decides a hold. A hold made before protocol v2 (no terminal) can only be rejected: its upload came on an
     * IMSI-keyed v1 topic, which anyone knowing the IMSI could publish on, so nothing vouches for who asked.
     */
    private Optional<BindAck> decideHold(long holdId, boolean approve, String operator)
        throws StoreException, NotFoundException {
        String source = "http:" + operator;
        Optional<Optional<BindAck>> ack = store.inTransaction((approve ? "approve" : "deny") + " hold " + holdId, tx -> {
            // lock order as in bind (IMSI's registry row, then the hold), or an approval racing a newer upload
            // of the same terminal, which supersedes the hold, would deadlock until a timeout and a retry
            Optional<PendingRebind> seen = tx.peekPending(holdId);
            if (seen.isEmpty()) {
                return Optional.<Optional<BindAck>>empty();
            }
            if (seen.get().terminalId().isPresent()) {
                tx.lockTerminal(seen.get().terminalId().get());
            }
            tx.lockModem(seen.get().imsi());
            PendingRebind hold = tx.lockPending(holdId).orElseThrow(
                () -> new IllegalStateException("hold " + holdId + " vanished while deciding it"));
            if (hold.state() != PendingRebind.State.PENDING) {
                throw new IllegalStateException("hold " + holdId + " is already " + hold.state());
            }
            Instant now = clock.instant();
            BindOutcome outcome;
            ReasonCode reason = ReasonCode.NONE;
            if (approve && hold.terminalId().isEmpty()) {
                throw new IllegalStateException("hold " + holdId + " was made before protocol v2, when nothing"
                    + " authenticated the terminal that uploaded: it cannot be approved; reject it and let the"
                    + " terminal upload again");
            }
            String terminal = hold.terminalId().orElse(null);
            if (approve) {
                tx.appendHistory(HistoryEntry.of(HistoryEvent.REBIND_APPROVED, now, source).terminalId(terminal)
                    .imsi(hold.imsi())
                    .vin(hold.vin()).requestId(hold.requestId()).detail("hold " + holdId).build());
                Optional<Binding> ofImsi = tx.bindingOfImsi(hold.imsi());
                Optional<Binding> ofVin = tx.bindingOfVin(hold.vin());
                if (ofImsi.isPresent() && ofImsi.get().vin().equals(hold.vin())) {
                    outcome = BindOutcome.ALREADY_BOUND;
                } else if (ofImsi.isEmpty() && ofVin.isEmpty()) {
                    tx.insertBinding(new Binding(hold.imsi(), hold.vin(), now, Optional.of(hold.requestId()),
                        Optional.of(terminal)));
                    tx.appendHistory(HistoryEntry.of(HistoryEvent.BOUND, now, source).terminalId(terminal).imsi(hold.imsi())
                        .vin(hold.vin()).reason(hold.uploadReason().name()).requestId(hold.requestId()).build());
                    outcome = BindOutcome.BOUND;
                } else {
                    rebind(tx, terminal, hold.imsi(), hold.vin(), ofImsi, ofVin, hold.requestId(),
                        hold.uploadReason().name(), source, now);
                    outcome = BindOutcome.REBOUND;
                }
            } else {
                tx.appendHistory(HistoryEntry.of(HistoryEvent.REBIND_DENIED, now, source).terminalId(terminal)
                    .imsi(hold.imsi())
                    .vin(hold.vin()).requestId(hold.requestId()).detail("hold " + holdId).build());
                outcome = BindOutcome.REJECTED;
                reason = ReasonCode.REBIND_DENIED;
            }
            tx.decidePending(holdId, approve ? PendingRebind.State.APPROVED : PendingRebind.State.DENIED, now,
                operator);
            // answers stored before protocol v2 have terminal '' (V3)
            tx.replaceAnswer(terminal == null ? "" : terminal, hold.imsi(), hold.requestId(),
                BindingStore.RequestKind.BIND, new StoredAnswer(hold.vin(), outcome.name(), reason), now);
            Logger.info("hold {} {} by {}: {} <-> {} {}{}", holdId, approve ? "approved" : "denied", operator,
                hold.imsi(), hold.vin(), outcome, terminal == null ? " (made before protocol v2: no terminal to tell)" : "");
            return Optional.of(terminal == null ? Optional.<BindAck>empty() : Optional.of(new BindAck(Protocol.VERSION,
                hold.requestId(), terminal, hold.imsi(), hold.vin(), outcome, reason)));
        });
        return ack.orElseThrow(() -> new NotFoundException("no held rebind with id " + holdId));
    }

    /**
     * Forgets answers older than {@code retention}: a replay that old is not a retransmission but a new
     * upload, and is decided again. Answers of undecided holds are kept whatever their age.
     *
     * @return how many answers were deleted
     */
    public int purgeAnswers(java.time.Duration retention) throws StoreException {
        Instant before = clock.instant().minus(retention);
        return store.inTransaction("purge answers before " + before, tx -> tx.purgeAnswers(before));
    }

    /** Holds waiting for a decision, oldest first. */
    public List<PendingRebind> pending(int limit) throws StoreException {
        return store.read("list holds", tx -> tx.openPending(limit));
    }

    /**
     * After-sales: removes the live binding of a VIN (the history records who and why).
     *
     * @return the binding removed
     * @throws NotFoundException when the VIN has no live binding
     */
    public Binding unbind(String vin, String operator, String why) throws StoreException, NotFoundException {
        String by = requireOperator(operator);
        String reason = why == null || why.isBlank() ? "manual unbind" : why;
        Optional<Binding> removed = store.inTransaction("unbind VIN " + vin, tx -> {
            Optional<Binding> seen = tx.peekBindingOfVin(vin);
            if (seen.isEmpty()) {
                return Optional.<Binding>empty();
            }
            if (seen.get().terminalId().isPresent()) {
                tx.lockTerminal(seen.get().terminalId().get()); // the lock order of bind: terminal, IMSI, binding
            }
            tx.lockModem(seen.get().imsi());
            Optional<Binding> locked = tx.bindingOfVin(vin);
            if (locked.isEmpty() || !locked.get().imsi().equals(seen.get().imsi())) {
                throw new SQLException("binding of VIN " + vin + " changed while unbinding", "40001");
            }
            tx.deleteBinding(locked.get());
            tx.appendHistory(HistoryEntry.of(HistoryEvent.UNBOUND, clock.instant(), "http:" + by)
                .terminalId(locked.get().terminalId().orElse(null)).imsi(locked.get().imsi()).vin(vin).reason(reason)
                .build());
            return locked;
        });
        Binding b = removed.orElseThrow(() -> new NotFoundException("VIN " + vin + " has no live binding"));
        Logger.info("VIN {} unbound from IMSI {} by {}: {}", vin, b.imsi(), by, reason);
        return b;
    }

    public Optional<Binding> bindingOfVin(String vin) throws StoreException {
        return store.read("binding of VIN " + vin, tx -> tx.peekBindingOfVin(vin));
    }

    public Optional<Binding> bindingOfImsi(String imsi) throws StoreException {
        return store.read("binding of IMSI " + imsi, tx -> tx.peekBindingOfImsi(imsi));
    }

    /** Links a user account to a VIN (entered at sale); idempotent. The VIN is checked like an upload. */
    public void linkUser(String userId, String vin) throws StoreException {
        requireUserId(userId);
        String checked = Vin.parse(vin, vinPolicy).value();
        Instant now = clock.instant();
        store.inTransaction("link user " + userId + " to " + checked, tx -> {
            tx.linkUser(userId, checked, now);
            return null;
        });
    }

    /** @return false when the link did not exist */
    public boolean unlinkUser(String userId, String vin) throws StoreException {
        requireUserId(userId);
        return store.inTransaction("unlink user " + userId + " from " + vin, tx -> tx.unlinkUser(userId, vin));
    }

    /** User → VINs → IMSIs: where remote commands for this user's vehicles go. */
    public List<VehicleRoute> routesOf(String userId) throws StoreException {
        requireUserId(userId);
        return store.read("routes of user " + userId, tx -> {
            List<VehicleRoute> out = new ArrayList<>();
            for (String vin : tx.vinsOfUser(userId)) {
                out.add(new VehicleRoute(vin, tx.peekBindingOfVin(vin)));
            }
            return out;
        });
    }

    private static void requireUserId(String userId) {
        if (userId == null || !USER_ID.matcher(userId).matches()) {
            throw new IllegalArgumentException("user id '" + userId + "' must be 1-64 characters A-Z a-z 0-9 . _ @ + -");
        }
    }

    private static String requireOperator(String operator) {
        if (operator == null || !OPERATOR.matcher(operator).matches()) {
            throw new IllegalArgumentException("operator '" + operator
                + "' must be 1-64 characters A-Z a-z 0-9 . _ @ + - (who is doing this, for the history)");
        }
        return operator;
    }

    private static BindResult refused(BindRequest request, String topicTerminal, ReasonCode reason) {
        return new BindResult(new BindAck(Protocol.VERSION, request.requestId(), topicTerminal, request.imsi(),
            request.vin(), BindOutcome.REJECTED, reason), false);
    }
}
