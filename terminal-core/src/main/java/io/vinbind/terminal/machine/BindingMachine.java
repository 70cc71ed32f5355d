package io.vinbind.terminal.machine;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.Identifiers;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.UploadReason;
import io.vinbind.terminal.port.BindingUplink;
import io.vinbind.terminal.port.ModemException;
import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.port.ModemPort;
import io.vinbind.terminal.port.VinReadException;
import io.vinbind.terminal.port.VinReader;
import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.FlagReason;
import io.vinbind.terminal.state.StateStore;
import io.vinbind.terminal.state.StateStoreException;
import io.vinbind.terminal.state.TerminalState;
import io.vinbind.terminal.vin.VinRules;
import io.vinbind.terminal.vin.VinVerdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The terminal's binding state machine (states and edges in {@link BindingState}).
 *
 * <p>All of its work runs on the {@link MachineScheduler}'s single thread; the public methods only post
 * tasks there and may be called from any thread. Port operations return futures; the machine bounds each
 * with a timer from {@link MachineConfig}, and every callback carries a step token so that a result that
 * arrives after its step ended (timeout, power OFF, a newer attempt) is recognised and ignored.
 *
 * <p>The VIN-request flag is cleared in exactly one place: on a bind-ack whose requestId, VIN, IMSI and
 * terminal id all equal the request in flight and whose outcome is BOUND, ALREADY_BOUND or REBOUND. The
 * terminal id is the uplink's ({@link BindingUplink#terminalId()}, the identity its credential proves); every
 * request carries it and an ack that names another terminal is ignored like one for another request.
 *
 * <p>Failure policy:
 * <ul>
 *   <li>retry with backoff ({@link RetryPolicy}): ECU silent, transient NRC, reads that disagree, SIM busy,
 *       no network, registration denied, data failure, broker down or its certificate refused, connection
 *       lost, any ack timeout, a refusal whose {@link io.vinbind.protocol.ReasonCode#isRetryable()} is true
 *       (server error, conflict, rebind or identity held for an operator);</li>
 *   <li>suspend until the next power-mode transition (flag kept): a VIN that breaks the rules, an ECU that
 *       does not support DID 0xF190, SIM absent or locked, a login or bind refused for a non-retryable
 *       reason (unknown IMSI, invalid VIN, rebind rejected, identity conflict, terminal revoked), or the
 *       attempts of this power cycle used up.</li>
 * </ul>
 * Every refusal is logged with what its reason code means for a workshop ({@link Refusals}).
 */
public final class BindingMachine {

    private final MachineConfig config;
    private final MachineScheduler scheduler;
    private final StateStore store;
    private final VinReader vinReader;
    private final ModemPort modem;
    private final BindingUplink uplink;
    /** The uplink's authenticated identity, written into every request and required in every ack. */
    private final String terminalId;
    private final RandomGenerator random;
    private final Supplier<String> requestIds;
    private final VinRules vinRules;
    private final List<TerminalListener> listeners = new CopyOnWriteArrayList<>();

    // --- owned by the machine thread ---
    private BindingState state = BindingState.OFF;
    private PowerMode power = PowerMode.OFF;
    /** A profile switch arrived while an attempt (for the old IMSI) was running: bind again after it. */
    private boolean profileSwitchPending;
    private TerminalState persisted;
    private boolean started;
    private int attempt;
    private long token;
    private MachineScheduler.Cancellable timer;
    private CompletableFuture<?> inFlight;
    private MachineScheduler.Cancellable pollTimer;
    private final List<String> vinTexts = new ArrayList<>();
    private int vinReadsDone;
    private String vin;
    private ModemIdentity identity;
    private volatile String terminalModel;
    private volatile String softwareVersion;
    private boolean connected;
    /** A connect was issued: the uplink may hold a connection (even one completing after our timeout). */
    private boolean uplinkOpen;
    private String loginRequestId;
    private String bindRequestId;
    private String lastBoundRequestId;

    // --- snapshots for other threads ---
    private volatile BindingState stateSnapshot = BindingState.OFF;
    private volatile TerminalState persistedSnapshot;

    /**
     * @param requestIds source of fresh request ids (UUIDs in production, a counter in tests)
     */
    public BindingMachine(MachineConfig config, MachineScheduler scheduler, StateStore store, VinReader vinReader,
            ModemPort modem, BindingUplink uplink, RandomGenerator random, Supplier<String> requestIds) {
        this.config = Objects.requireNonNull(config, "config");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.store = Objects.requireNonNull(store, "store");
        this.vinReader = Objects.requireNonNull(vinReader, "vinReader");
        this.modem = Objects.requireNonNull(modem, "modem");
        this.uplink = Objects.requireNonNull(uplink, "uplink");
        this.terminalId = Identifiers.requireTerminalId(uplink.terminalId());
        this.random = Objects.requireNonNull(random, "random");
        this.requestIds = Objects.requireNonNull(requestIds, "requestIds");
        this.vinRules = new VinRules(config.vinMode());
    }

    /** With random UUID request ids. */
    public BindingMachine(MachineConfig config, MachineScheduler scheduler, StateStore store, VinReader vinReader,
            ModemPort modem, BindingUplink uplink, RandomGenerator random) {
        this(config, scheduler, store, vinReader, modem, uplink, random, () -> UUID.randomUUID().toString());
    }

    /**
     * What the logins report of the terminal itself besides the modem's identity (issue 14): its model and its
     * software's version (each null: not reported). Set before {@link #start()}.
     *
     * @throws IllegalArgumentException naming the field when a value is not 1-64 characters of
     *     {@code A-Z a-z 0-9 space . _ : / + -}
     */
    public void reportAs(String terminalModel, String softwareVersion) {
        if (terminalModel != null) {
            Identifiers.requireModelText("terminalModel", terminalModel);
        }
        if (softwareVersion != null) {
            Identifiers.requireModelText("softwareVersion", softwareVersion);
        }
        this.terminalModel = terminalModel;
        this.softwareVersion = softwareVersion;
    }

    public void addListener(TerminalListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(TerminalListener listener) {
        listeners.remove(listener);
    }

    /** The current state (a snapshot; the machine may move on at once). */
    public BindingState state() {
        return stateSnapshot;
    }

    /** The state as last persisted or loaded; null before {@link #start()} has run. */
    public TerminalState terminalState() {
        return persistedSnapshot;
    }

    /** Loads the persisted state and starts listening to the modem and the uplink. Power starts as OFF. */
    public void start() {
        scheduler.execute(this::onStart);
    }

    /** The vehicle's power mode, as often as the source reports it; the machine acts on changes. */
    public void powerMode(PowerMode mode) {
        Objects.requireNonNull(mode, "mode");
        scheduler.execute(() -> onPowerMode(mode));
    }

    /**
     * A service request for a new binding: persisted as a request file (so a power loss does not lose it)
     * and taken at once if the vehicle is powered and the machine is resting, otherwise at the next attempt.
     */
    public void requestBinding() {
        scheduler.execute(() -> {
            try {
                store.requestBinding(scheduler.now());
            } catch (StateStoreException e) {
                Logger.error(e, "could not record the service request; setting the flag directly");
                setFlag(FlagReason.SERVICE_REQUEST);
                if (started && power.isPowered() && (state == BindingState.BOUND || state == BindingState.SUSPENDED)) {
                    beginPowerCycle("service request");
                }
                return;
            }
            pollServiceRequest();
        });
    }

    /**
     * The card now runs another profile (the relay enabled it and refreshed the card; {@code imsi} is what the modem
     * reads now): sets the flag with {@link FlagReason#PROFILE_SWITCHED} and binds again at once when powered and
     * resting, after the attempt in progress otherwise (that one still speaks for the old IMSI), at the next power-up
     * when OFF.
     */
    public void profileSwitched(String imsi) {
        scheduler.execute(() -> {
            Logger.info("profile switched: the modem reads IMSI {} now", imsi);
            if (persisted == null) {
                return;
            }
            boolean bound = persisted.lastBound().map(b -> b.imsi().equals(imsi)).orElse(false);
            if (bound && !persisted.flagSet()) {
                Logger.info("IMSI {} is the bound one: nothing to follow", imsi);
                return;
            }
            if (started && power.isPowered() && (state == BindingState.BOUND || state == BindingState.SUSPENDED)) {
                setFlag(FlagReason.PROFILE_SWITCHED);
                beginPowerCycle("profile switched to IMSI " + imsi);
            } else if (state.isWorking() || state == BindingState.BACKOFF) {
                // kept on disk in case this attempt never ends bound (power OFF, failure): the next one then
                // uploads for the new IMSI without taking it for a replaced modem
                setFlag(FlagReason.PROFILE_SWITCHED);
                profileSwitchPending = true;
            } else {
                setFlag(FlagReason.PROFILE_SWITCHED);
            }
        });
    }

    /** Aborts any attempt (flag untouched), disconnects, and stops polling. */
    public void stop() {
        scheduler.execute(() -> {
            if (pollTimer != null) {
                pollTimer.cancel();
                pollTimer = null;
            }
            abort("terminal stopping");
            started = false;
        });
    }

    // ------------------------------------------------------------------ machine thread from here on

    private void onStart() {
        if (started) {
            return;
        }
        started = true;
        persisted = store.load();
        persistedSnapshot = persisted;
        Logger.info("terminal state: flag {}{}", persisted.flagSet() ? "SET (" + persisted.vinRequest().get().reason()
                + ")" : "clear", persisted.lastBound().map(b -> ", bound VIN " + b.vin() + " IMSI " + b.imsi())
                .orElse(", never bound"));
        modem.setListener(new ModemPort.ModemEvents() {
            @Override
            public void modemReset(String detail) {
                scheduler.execute(() -> onModemEvent("modem reset: " + detail, true));
            }

            @Override
            public void dataLost(String detail) {
                scheduler.execute(() -> onModemEvent("data context lost: " + detail, false));
            }
        });
        uplink.setListener(new BindingUplink.Listener() {
            @Override
            public void loginAck(LoginAck ack) {
                scheduler.execute(() -> onLoginAck(ack));
            }

            @Override
            public void bindAck(BindAck ack) {
                scheduler.execute(() -> onBindAck(ack));
            }

            @Override
            public void connectionLost(Throwable cause) {
                scheduler.execute(() -> onConnectionLost(cause));
            }
        });
        schedulePoll();
        if (power.isPowered()) {
            beginPowerCycle("power " + power + " at start");
        }
    }

    private void onPowerMode(PowerMode mode) {
        PowerMode previous = power;
        if (mode == previous) {
            return;
        }
        power = mode;
        Logger.info("power mode {} -> {}", previous, mode);
        if (!started) {
            return;
        }
        if (!mode.isPowered()) {
            abort("power OFF");
            return;
        }
        if (state.isResting()) {
            beginPowerCycle("power " + previous + " -> " + mode);
        } else {
            Logger.info("power {} while {}: the attempt in progress continues", mode, state);
        }
    }

    private void beginPowerCycle(String cause) {
        attempt = 0;
        startAttempt(cause);
    }

    private void startAttempt(String cause) {
        cancelStep();
        attempt++;
        takeServiceRequest();
        vinTexts.clear();
        vinReadsDone = 0;
        vin = null;
        identity = null;
        loginRequestId = null;
        bindRequestId = null;
        go(BindingState.READING_VIN, cause + "; attempt " + attempt + " of " + config.retry().maxAttempts());
        readVin();
    }

    // --- VIN ---

    private void readVin() {
        await(vinReader.readVin(), config.vinReadTimeout(), "VIN read", this::onVinText, this::onVinReadFailed);
    }

    private void onVinText(String text) {
        vinReadsDone++;
        vinTexts.add(text);
        int n = vinTexts.size();
        if (n >= 2 && vinTexts.get(n - 1).equals(vinTexts.get(n - 2))) {
            onVinAgreed(text);
            return;
        }
        Logger.debug("VIN read {} of {}: '{}'", vinReadsDone, config.vinReads(), printable(text));
        if (vinReadsDone >= config.vinReads()) {
            attemptFailed(true, "no two consecutive VIN reads agreed in " + vinReadsDone + " reads: " + shown(vinTexts));
            return;
        }
        later(config.vinReadGap(), this::readVin);
    }

    private void onVinReadFailed(Throwable failure) {
        vinReadsDone++;
        if (failure instanceof VinReadException e && e.isPermanent()) {
            suspend(String.format("the ECU refuses to give the VIN (NRC 0x%02X): %s", e.nrc(), e.getMessage()));
            return;
        }
        Logger.warn("VIN read {} of {} failed: {}", vinReadsDone, config.vinReads(), describe(failure));
        if (vinReadsDone >= config.vinReads()) {
            attemptFailed(true, "VIN read failed " + vinReadsDone + " times, last: " + describe(failure));
            return;
        }
        later(config.vinReadGap(), this::readVin);
    }

    private void onVinAgreed(String text) {
        VinVerdict verdict = vinRules.check(text);
        if (!verdict.isValid()) {
            suspend("VIN '" + printable(text) + "' read twice from the ECU is invalid (" + config.vinMode() + "): "
                    + verdict.reason() + "; uploading it would be refused");
            return;
        }
        if (!verdict.warnings().isEmpty()) {
            Logger.warn("VIN {} accepted in {} mode: {}", text, config.vinMode(), verdict.reason());
        }
        vin = text;
        go(BindingState.IDENTIFYING_MODEM, "VIN " + text + " read " + vinReadsDone + " times, two agree, valid");
        await(modem.identify(), config.identifyTimeout(), "modem identification", this::onIdentified,
                this::onModemFailed);
    }

    // --- modem ---

    private void onIdentified(ModemIdentity id) {
        identity = id;
        BindDecision decision = BindDecision.decide(persisted, vin, id);
        Logger.info("decision: {} ({})", decision.mustBind() ? "bind" : "no binding needed", decision.explanation());
        for (TerminalListener l : listeners) {
            try {
                l.onDecision(decision);
            } catch (RuntimeException e) {
                Logger.error(e, "listener failed on decision");
            }
        }
        if (!decision.mustBind()) {
            go(BindingState.BOUND, decision.explanation());
            followPendingSwitch();
            return;
        }
        setFlag(decision.reason().get());
        go(BindingState.ATTACHING, "must bind: " + decision.explanation() + "; IMSI " + id.imsi());
        await(modem.attach(), config.attachTimeout(), "network attach", v -> onAttached(), this::onModemFailed);
    }

    private void onModemFailed(Throwable failure) {
        if (failure instanceof ModemException e && e.kind().needsPerson()) {
            suspend("modem: " + e.kind() + ": " + e.getMessage());
            return;
        }
        attemptFailed(true, "modem: " + describe(failure));
    }

    private void onModemEvent(String what, boolean reset) {
        boolean relevant = reset ? state.isWorking() && state != BindingState.READING_VIN
                : state == BindingState.CONNECTING || state == BindingState.LOGGING_IN
                        || state == BindingState.UPLOADING;
        if (relevant) {
            attemptFailed(true, what);
        } else {
            Logger.info("{} (while {}; no attempt affected)", what, state);
        }
    }

    // --- uplink ---

    private void onAttached() {
        go(BindingState.CONNECTING, "registered, data context up");
        uplinkOpen = true;
        await(uplink.connect(), config.connectTimeout(), "broker connect", v -> onConnected(),
                f -> attemptFailed(true, "broker: " + describe(f)));
    }

    private void onConnected() {
        connected = true;
        loginRequestId = requestIds.get();
        go(BindingState.LOGGING_IN, "connected as terminal " + terminalId + "; login with IMSI " + identity.imsi()
                + " requestId " + loginRequestId);
        LoginRequest login = LoginRequest.of(loginRequestId, terminalId, identity.imsi(), identity.iccid(),
                identity.imei()).withEid(identity.eid()).withModels(terminalModel, softwareVersion,
                identity.modemModel(), identity.modemFirmware());
        expectAck(uplink.publishLogin(login), config.loginAckTimeout(), "login-ack for requestId " + loginRequestId);
    }

    private void onLoginAck(LoginAck ack) {
        if (state != BindingState.LOGGING_IN || !ack.requestId().equals(loginRequestId)
                || !ack.imsi().equals(identity.imsi()) || !ack.terminalId().equals(terminalId)) {
            Logger.warn("ignored login-ack requestId {} terminal {} IMSI {} {} (state {}, waiting for {})",
                    ack.requestId(), ack.terminalId(), ack.imsi(), ack.outcome(), state,
                    state == BindingState.LOGGING_IN ? "requestId " + loginRequestId + " terminal " + terminalId
                            + " IMSI " + identity.imsi() : "none");
            return;
        }
        if (ack.outcome() != LoginOutcome.ACCEPTED) {
            refused("login refused: " + ack.reason(), ack.reason());
            return;
        }
        bindRequestId = requestIds.get();
        UploadReason why = uploadReason(persisted.vinRequest().map(r -> r.reason()).orElse(FlagReason.SERVICE_REQUEST));
        go(BindingState.UPLOADING, "login accepted; uploading VIN " + vin + " (" + why + ") requestId " + bindRequestId);
        BindRequest bind = BindRequest.of(bindRequestId, terminalId, identity.imsi(), identity.iccid(),
                identity.imei(), vin, why);
        expectAck(uplink.publishBind(bind), config.bindAckTimeout(), "bind-ack for requestId " + bindRequestId);
    }

    private void onBindAck(BindAck ack) {
        boolean matches = state == BindingState.UPLOADING && ack.requestId().equals(bindRequestId)
                && ack.vin().equals(vin) && ack.imsi().equals(identity.imsi()) && ack.terminalId().equals(terminalId);
        if (!matches) {
            if (ack.requestId().equals(lastBoundRequestId) && ack.terminalId().equals(terminalId)) {
                Logger.info("duplicate bind-ack for requestId {} ({}) ignored: already bound", ack.requestId(),
                        ack.outcome());
            } else {
                Logger.warn("ignored bind-ack requestId {} terminal {} VIN {} IMSI {} {} (state {}, waiting for {})",
                        ack.requestId(), ack.terminalId(), ack.vin(), ack.imsi(), ack.outcome(), state,
                        state == BindingState.UPLOADING ? "requestId " + bindRequestId + " terminal " + terminalId
                                + " VIN " + vin + " IMSI " + identity.imsi() : "none");
            }
            return;
        }
        if (!ack.outcome().isBound()) {
            refused("bind " + ack.outcome() + ": " + ack.reason(), ack.reason());
            return;
        }
        BoundIdentity bound = new BoundIdentity(vin, identity.imsi(), identity.iccid(), identity.imei(),
                scheduler.now());
        persisted = TerminalState.bound(bound);
        persistedSnapshot = persisted;
        lastBoundRequestId = bindRequestId;
        try {
            store.save(persisted);
        } catch (StateStoreException e) {
            Logger.error(e, "bound, but the cleared flag could not be persisted; the next start may upload again "
                    + "(the server answers ALREADY_BOUND)");
        }
        cancelStep();
        disconnect();
        go(BindingState.BOUND, "bind-ack " + ack.outcome() + " for requestId " + ack.requestId() + "; flag cleared");
        for (TerminalListener l : listeners) {
            try {
                l.onBound(bound, ack.outcome());
            } catch (RuntimeException e) {
                Logger.error(e, "listener failed on bound");
            }
        }
        followPendingSwitch();
    }

    private void onConnectionLost(Throwable cause) {
        if (connected && (state == BindingState.LOGGING_IN || state == BindingState.UPLOADING)) {
            connected = false;
            attemptFailed(true, "broker connection lost: " + describe(cause));
        } else {
            Logger.info("broker connection lost while {}: {}", state, describe(cause));
        }
    }

    private void refused(String what, ReasonCode reason) {
        String meaning = what + " (" + Refusals.meaning(reason, terminalId) + ")";
        if (reason.isRetryable()) {
            attemptFailed(true, meaning + " (retryable)");
        } else {
            suspend(meaning + "; waiting for the next power-mode transition or a service request");
        }
    }

    // --- service requests ---

    private void schedulePoll() {
        pollTimer = scheduler.schedule(config.serviceRequestPoll(), () -> {
            if (started) {
                pollServiceRequest();
                schedulePoll();
            }
        });
    }

    private void pollServiceRequest() {
        if (!started || !power.isPowered() || !(state == BindingState.BOUND || state == BindingState.SUSPENDED)) {
            return; // taken at the start of the next attempt
        }
        if (store.pendingServiceRequest().isPresent()) {
            beginPowerCycle("service request");
        }
    }

    private void takeServiceRequest() {
        store.pendingServiceRequest().ifPresent(at -> {
            Logger.info("service request made at {}: setting the VIN-request flag", at);
            setFlag(FlagReason.SERVICE_REQUEST);
            try {
                store.clearServiceRequest();
            } catch (StateStoreException e) {
                Logger.error(e, "could not remove the taken service request; it will be taken again");
            }
        });
    }

    /** A profile switch came in during the attempt that just ended bound: bind again for the new IMSI. */
    private void followPendingSwitch() {
        if (profileSwitchPending) {
            profileSwitchPending = false;
            setFlag(FlagReason.PROFILE_SWITCHED);
            beginPowerCycle("profile switched during the attempt");
        }
    }

    private void setFlag(FlagReason reason) {
        if (persisted.flagSet()) {
            return;
        }
        persisted = persisted.withFlag(reason, scheduler.now());
        persistedSnapshot = persisted;
        Logger.info("VIN-request flag set: {}", reason);
        try {
            store.save(persisted);
        } catch (StateStoreException e) {
            Logger.error(e, "VIN-request flag set in memory but not persisted; binding proceeds");
        }
    }

    // --- failure handling ---

    private void attemptFailed(boolean retryable, String why) {
        cancelStep();
        disconnect();
        if (!retryable) {
            suspend(why);
            return;
        }
        if (attempt >= config.retry().maxAttempts()) {
            go(BindingState.SUSPENDED, why + "; all " + attempt + " attempts of this power cycle used, flag kept");
            return;
        }
        Duration delay = config.retry().delayAfter(attempt, random.nextDouble());
        go(BindingState.BACKOFF, why + "; retry in " + delay.toMillis() + " ms");
        long t = ++token;
        timer = scheduler.schedule(delay, () -> {
            if (t == token) {
                startAttempt("backoff over");
            }
        });
    }

    private void suspend(String why) {
        cancelStep();
        disconnect();
        go(BindingState.SUSPENDED, why);
    }

    private void abort(String why) {
        cancelStep();
        disconnect();
        if (state != BindingState.OFF) {
            go(BindingState.OFF, why + (persisted != null && persisted.flagSet()
                    ? "; attempt aborted, VIN-request flag stays set" : ""));
        }
    }

    private void disconnect() {
        connected = false;
        if (uplinkOpen) {
            uplinkOpen = false;
            uplink.disconnect();
        }
    }

    // --- step plumbing ---

    /** Waits for {@code future} at most {@code timeout}; exactly one of the two handlers runs, on this thread. */
    private <T> void await(CompletableFuture<T> future, Duration timeout, String what, Consumer<T> ok,
            Consumer<Throwable> failed) {
        long t = ++token;
        cancelTimer();
        inFlight = future;
        timer = scheduler.schedule(timeout, () -> {
            if (t == token) {
                token++;
                inFlight = null;
                future.cancel(true);
                failed.accept(new StepTimeoutException(what, timeout));
            }
        });
        future.whenComplete((value, error) -> scheduler.execute(() -> {
            if (t != token) {
                Logger.debug("late result of {} ignored", what);
                return;
            }
            token++;
            cancelTimer();
            inFlight = null;
            if (error == null) {
                ok.accept(value);
            } else {
                failed.accept(unwrap(error));
            }
        }));
    }

    /** Publishes, then waits for an ack (delivered through the listener) at most {@code timeout}. */
    private void expectAck(CompletableFuture<Void> publish, Duration timeout, String what) {
        long t = ++token;
        cancelTimer();
        timer = scheduler.schedule(timeout, () -> {
            if (t == token) {
                attemptFailed(true, "no " + what + " within " + timeout.toMillis() + " ms");
            }
        });
        publish.whenComplete((v, error) -> {
            if (error != null) {
                scheduler.execute(() -> {
                    if (t == token) {
                        attemptFailed(true, "publish failed: " + describe(unwrap(error)));
                    }
                });
            }
        });
    }

    private void later(Duration delay, Runnable next) {
        long t = ++token;
        cancelTimer();
        timer = scheduler.schedule(delay, () -> {
            if (t == token) {
                next.run();
            }
        });
    }

    private void cancelStep() {
        token++;
        cancelTimer();
        if (inFlight != null) {
            inFlight.cancel(true);
            inFlight = null;
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private void go(BindingState next, String cause) {
        BindingState previous = state;
        state = next;
        stateSnapshot = next;
        StateTransition t = new StateTransition(previous, next, scheduler.now(), attempt, cause);
        if (next == BindingState.SUSPENDED || next == BindingState.BACKOFF) {
            Logger.warn("{} -> {}: {}", previous, next, cause);
        } else {
            Logger.info("{} -> {}: {}", previous, next, cause);
        }
        for (TerminalListener l : listeners) {
            try {
                l.onTransition(t);
            } catch (RuntimeException e) {
                Logger.error(e, "listener failed on transition {}", t);
            }
        }
    }

    static UploadReason uploadReason(FlagReason reason) {
        return switch (reason) {
            case ASSEMBLY -> UploadReason.ASSEMBLY;
            case MODEM_REPLACED -> UploadReason.MODEM_REPLACED;
            case VIN_CHANGED -> UploadReason.VIN_CHANGED;
            case SERVICE_REQUEST -> UploadReason.SERVICE;
            case STATE_UNREADABLE -> UploadReason.STATE_LOST;
            case PROFILE_SWITCHED -> UploadReason.PROFILE_SWITCHED;
        };
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private static String describe(Throwable t) {
        if (t instanceof CancellationException) {
            return "cancelled";
        }
        String name = t.getClass().getSimpleName();
        if (t instanceof VinReadException v) {
            name = v.kind() == VinReadException.Kind.NEGATIVE_RESPONSE
                    ? String.format("NEGATIVE_RESPONSE NRC 0x%02X", v.nrc()) : v.kind().name();
        } else if (t instanceof ModemException m) {
            name = m.kind().name();
        } else if (t instanceof io.vinbind.terminal.port.UplinkException u) {
            name = u.kind().name();
        } else if (t instanceof StepTimeoutException) {
            return t.getMessage();
        }
        return t.getMessage() == null ? name : name + ": " + t.getMessage();
    }

    private static String shown(List<String> texts) {
        List<String> out = new ArrayList<>();
        for (String s : texts) {
            out.add("'" + printable(s) + "'");
        }
        return String.join(", ", out);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 40); i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return b.toString();
    }
}
