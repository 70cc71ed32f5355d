package io.vinbind.modem;

import io.vinbind.log.RateLimitedWarnings;
import io.vinbind.log.Untrusted;
import io.vinbind.modem.at.AtCommand;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtEngineConfig;
import io.vinbind.modem.at.AtErrorException;
import io.vinbind.modem.at.AtEvent;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.at.AtLinkException;
import io.vinbind.modem.at.AtResponse;
import io.vinbind.modem.at.AtResetException;
import io.vinbind.modem.at.AtResponseFormatException;
import io.vinbind.modem.at.CmeErrorCode;
import io.vinbind.modem.at.FinalResult;
import io.vinbind.modem.at.Subscription;
import io.vinbind.modem.at.Urc;
import io.vinbind.modem.at.UrcKind;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.uicc.Uicc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * The 3GPP TS 27.007 modem API on top of an {@link AtEngine}: initialisation, SIM state, identities
 * (IMSI, IMEI, ICCID), registration, operator, signal and data, with the vendor {@link Dialect} chosen by
 * configuration or detected. All answers come back as typed values; failures are {@link AtException}s
 * naming the command and the raw lines.
 *
 * <p>Events ({@link ModemEvent}: reset, link lost, unresponsive, registration/SIM changes, data context
 * dropped) go to {@link #onEvent} listeners on the engine's dispatcher thread.
 */
public final class Modem implements AutoCloseable {

    private static final Duration QIDEACT_TIMEOUT = Duration.ofSeconds(40);

    private final AtEngine engine;
    private final ModemConfig config;
    private final Dialect dialect;
    private final List<Consumer<ModemEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final Object registrationSignal = new Object();
    /** URCs arrive at the modem's pace; one that keeps repeating unparseable gives a few lines, then a count. */
    private final RateLimitedWarnings urcWarnings = RateLimitedWarnings.standard();
    private long registrationUrcs; // guarded by registrationSignal
    private volatile Uicc uicc;

    private Modem(AtEngine engine, ModemConfig config, Dialect dialect) {
        this.engine = engine;
        this.config = config;
        this.dialect = dialect;
        subscriptions.add(engine.onEvent(this::onEngineEvent));
        subscriptions.add(engine.onUrc(EnumSet.of(UrcKind.CREG, UrcKind.CGREG, UrcKind.CEREG, UrcKind.C5GREG),
                this::onRegistrationUrc));
        subscriptions.add(engine.onUrc(UrcKind.CPIN, this::onSimUrc));
        subscriptions.add(engine.onUrc(EnumSet.of(UrcKind.QIURC, UrcKind.CGEV), this::onDataUrc));
    }

    /**
     * A modem on {@code engine}; with no dialect configured it asks {@code AT+CGMI}, then {@code ATI}.
     *
     * @throws AtException if detection had to talk to the modem and it did not answer
     */
    public static Modem attach(AtEngine engine, ModemConfig config) throws AtException {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(config, "config");
        Dialect d = config.dialect().isPresent() ? config.dialect().get() : detectDialect(engine);
        Logger.info("modem on {}: dialect {}{}", engine.linkName(), d, config.dialect().isPresent() ? " (configured)" : " (detected)");
        return new Modem(engine, config, d);
    }

    /**
     * Opens the serial port (re-opened by the engine if it vanishes and returns) and attaches.
     *
     * @throws IOException if the port cannot be opened
     * @throws AtException if dialect detection fails
     */
    public static Modem open(SerialConfig serial, ModemConfig config) throws IOException, AtException {
        AtEngine engine = AtEngine.start(JSerialCommLink.opener(serial), AtEngineConfig.DEFAULT);
        try {
            return attach(engine, config);
        } catch (AtException | RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /** Times a detection command is sent when the modem prints {@code RDY} over it (it was just booting). */
    private static final int DETECT_ATTEMPTS_ON_RESET = 3;

    private static Dialect detectDialect(AtEngine engine) throws AtException {
        AtException last = null;
        for (AtCommand c : List.of(AtCommand.bare("AT+CGMI", "+CGMI:"), AtCommand.bare("ATI"))) {
            try {
                AtResponse r = sendAcrossBoot(engine, c);
                if (r.isOk()) {
                    Dialect d = Dialect.detect(String.join(" ", r.lines()));
                    if (d != Dialect.GENERIC) {
                        return d;
                    }
                }
            } catch (AtErrorException e) {
                last = e;
            }
        }
        if (last != null) {
            Logger.debug("dialect detection: {}", last.getMessage());
        }
        return Dialect.GENERIC;
    }

    /**
     * Sends {@code c}, again if the modem resets ({@code RDY}) over it: a terminal and its modem power up
     * together, so the first command often meets the modem's boot.
     */
    private static AtResponse sendAcrossBoot(AtEngine engine, AtCommand c) throws AtException {
        for (int attempt = 1; ; attempt++) {
            try {
                return engine.send(c);
            } catch (AtResetException e) {
                if (attempt == DETECT_ATTEMPTS_ON_RESET) {
                    throw e;
                }
                Logger.info("{}: modem reset during {} ({}); asking again", engine.linkName(), c.text(), e.getMessage());
            }
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The engine underneath, for commands this API does not cover. */
    public AtEngine engine() {
        return engine;
    }

    /**
     * Echo off ({@code ATE0}, V.250 §6.2.4), numeric errors ({@code AT+CMEE=1}, 27.007 §9.1) and
     * registration URCs with location ({@code AT+CREG=2}, {@code AT+CGREG=2}, {@code AT+CEREG=2}). A modem
     * that lacks one registration domain answers ERROR for it; that is logged and skipped. Run again after
     * a {@link ModemEvent.Reset}.
     */
    public void initialise() throws AtException {
        try {
            engine.execute(AtCommand.action("ATE0"));
        } catch (AtErrorException e) {
            Logger.warn("{}: echo could not be turned off ({}); echo is stripped anyway", engine.linkName(), e.getMessage());
        }
        engine.execute(AtCommand.action("AT+CMEE=1"));
        int enabled = 0;
        for (RegistrationDomain d : List.of(RegistrationDomain.CS, RegistrationDomain.GPRS, RegistrationDomain.EPS)) {
            try {
                engine.execute(AtCommand.action(d.command() + "=2"));
                enabled++;
            } catch (AtErrorException e) {
                Logger.info("{}: {} not supported: {}", engine.linkName(), d, e.result().rawLine());
            }
        }
        if (enabled == 0) {
            throw new AtResponseFormatException("AT+CREG=2", List.of(), "no registration domain accepted URC enabling");
        }
    }

    /** Manufacturer, model and revision. */
    public DeviceInfo deviceInfo() throws AtException {
        return new DeviceInfo(
                single(AtCommand.bare("AT+CGMI", "+CGMI:"), Answers::bareValue),
                single(AtCommand.bare("AT+CGMM", "+CGMM:"), Answers::bareValue),
                single(AtCommand.bare("AT+CGMR", "+CGMR:"), Answers::bareValue));
    }

    /**
     * The SIM state ({@code AT+CPIN?}). The {@code +CME ERROR}s modems give instead of a state when the card
     * is absent (10), failed (13) or busy (14) are mapped to states, not thrown.
     */
    public SimState simState() throws AtException {
        AtCommand c = AtCommand.query("AT+CPIN?", "+CPIN:");
        AtResponse r = engine.send(c);
        if (r.result() instanceof FinalResult.CmeError cme && cme.code().isPresent()) {
            CmeErrorCode code = cme.code().get();
            switch (code) {
                case SIM_NOT_INSERTED:
                    return SimState.NOT_INSERTED;
                case SIM_FAILURE:
                case SIM_WRONG:
                    return SimState.FAILURE;
                case SIM_BUSY:
                    return SimState.BUSY;
                case SIM_PIN_REQUIRED:
                    return SimState.PIN_REQUIRED;
                case SIM_PUK_REQUIRED:
                    return SimState.PUK_REQUIRED;
                default:
                    break;
            }
        }
        r.requireOk();
        return parse(r, r.firstWithPrefix("+CPIN:").orElseThrow(
                () -> new AtResponseFormatException(c.text(), r.lines(), "OK without a +CPIN line")), Answers::cpin);
    }

    /** Enters the SIM PIN ({@code AT+CPIN="<pin>"}). */
    public void enterPin(String pin) throws AtException {
        Objects.requireNonNull(pin, "pin");
        if (!pin.matches("[0-9]{4,8}")) {
            throw new IllegalArgumentException("a SIM PIN is 4 to 8 digits");
        }
        engine.execute(new AtCommand("AT+CPIN=\"" + pin + "\"", List.of(), false, Duration.ofSeconds(10)));
    }

    /** The IMSI ({@code AT+CIMI}, 27.007 §5.6); fails with the modem's {@code +CME ERROR} if the SIM is not ready. */
    public Imsi imsi() throws AtException {
        return single(AtCommand.bare("AT+CIMI", "+CIMI:"), Answers::imsi);
    }

    /** The IMEI ({@code AT+CGSN}, 27.007 §5.4), Luhn check digit verified. */
    public Imei imei() throws AtException {
        return single(AtCommand.bare("AT+CGSN", "+CGSN:"), Answers::imei);
    }

    /**
     * The ICCID: the dialect's command first ({@code AT+QCCID}, {@code AT+CICCID}, {@code AT+CCID},
     * {@code AT+ICCID}), then the raw SIM read {@code AT+CRSM=176,12258,0,0,10} (READ BINARY of EF_ICCID
     * 2FE2, 10 bytes) which every 27.007 modem supports.
     */
    public Iccid iccid() throws AtException {
        List<AtCommand> tries = switch (dialect) {
            case QUECTEL -> List.of(AtCommand.bare("AT+QCCID", "+QCCID:"));
            case SIMCOM -> List.of(AtCommand.bare("AT+CICCID", "+ICCID:"), AtCommand.bare("AT+CCID", "+CCID:"));
            case GENERIC -> List.of(AtCommand.bare("AT+CCID", "+CCID:"), AtCommand.bare("AT+ICCID", "+ICCID:"));
        };
        for (AtCommand c : tries) {
            AtResponse r = engine.send(c);
            if (r.isOk() && r.lines().size() == 1) {
                return parse(r, r.lines().get(0), Answers::iccid);
            }
            if (r.result() instanceof FinalResult.CmeError cme
                    && (cme.is(CmeErrorCode.SIM_NOT_INSERTED) || cme.is(CmeErrorCode.SIM_PIN_REQUIRED))) {
                r.requireOk(); // the SIM is the problem, not the command: say so
            }
            Logger.debug("{}: {} gave no ICCID ({}), trying the next way", engine.linkName(), c.text(), r.result().rawLine());
        }
        AtCommand crsm = AtCommand.query("AT+CRSM=176,12258,0,0,10", "+CRSM:");
        AtResponse r = engine.execute(crsm);
        return parse(r, r.firstWithPrefix("+CRSM:").orElseThrow(
                () -> new AtResponseFormatException(crsm.text(), r.lines(), "OK without a +CRSM line")), Answers::iccidFromCrsm);
    }

    /** Each domain's registration the modem reports ({@code AT+CEREG?}, {@code AT+CGREG?}, {@code AT+CREG?}). */
    public List<Registration> registrations() throws AtException {
        List<Registration> out = new ArrayList<>();
        for (RegistrationDomain d : List.of(RegistrationDomain.EPS, RegistrationDomain.GPRS, RegistrationDomain.CS)) {
            AtCommand c = AtCommand.query(d.command() + "?", d.prefix());
            AtResponse r = engine.send(c);
            if (!r.isOk()) {
                Logger.debug("{}: {} not available: {}", engine.linkName(), c.text(), r.result().rawLine());
                continue;
            }
            String line = r.firstWithPrefix(d.prefix()).orElseThrow(
                    () -> new AtResponseFormatException(c.text(), r.lines(), "OK without a " + d.prefix() + " line"));
            out.add(parse(r, line, Registration::parse));
        }
        if (out.isEmpty()) {
            throw new AtResponseFormatException("AT+CREG?", List.of(), "the modem reports no registration domain");
        }
        return out;
    }

    /**
     * The registration that matters: a registered domain (EPS before GPRS before CS) if any; otherwise a
     * denied packet domain (EPS, GPRS); otherwise one still searching; otherwise a denied CS domain;
     * otherwise the first reported. Registered in any domain counts, since an LTE-only modem reports CS
     * "not registered" while data works; and a CS denial does not end the wait while a packet domain is
     * still searching, since data-only SIMs are routinely denied CS service ({@code +CREG: 0,3}) while
     * EPS registration is on its way.
     */
    public Registration registration() throws AtException {
        return best(registrations());
    }

    /** The one of {@code regs} (one per domain) that matters, by the rule {@link #registration()} describes. */
    public static Registration best(List<Registration> regs) {
        for (Registration r : regs) {
            if (r.isRegistered()) {
                return r;
            }
        }
        for (Registration r : regs) {
            if (r.state() == RegistrationState.DENIED && r.domain() != RegistrationDomain.CS) {
                return r;
            }
        }
        for (Registration r : regs) {
            if (r.state() == RegistrationState.SEARCHING) {
                return r;
            }
        }
        for (Registration r : regs) {
            if (r.state() == RegistrationState.DENIED) {
                return r;
            }
        }
        return regs.get(0);
    }

    /**
     * Waits until registered (home or roaming) in any domain, at most {@code bound}. Re-checks whenever a
     * registration URC arrives and otherwise every {@link ModemConfig#registrationPoll()}.
     *
     * @throws RegistrationException {@code DENIED} as soon as the network denies (no domain registered),
     *                               {@code TIMEOUT} at the bound with the last state seen
     */
    public Registration awaitRegistration(Duration bound) throws AtException {
        Objects.requireNonNull(bound, "bound");
        long deadline = System.nanoTime() + bound.toNanos();
        long seen;
        synchronized (registrationSignal) {
            seen = registrationUrcs;
        }
        Optional<Registration> last = Optional.empty();
        while (true) {
            Registration r = registration();
            last = Optional.of(r);
            if (r.isRegistered()) {
                Logger.info("{}: registered {} via {}", engine.linkName(), r.state(), r.domain());
                return r;
            }
            if (r.state() == RegistrationState.DENIED) {
                throw new RegistrationException(RegistrationException.Reason.DENIED, last, bound);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new RegistrationException(RegistrationException.Reason.TIMEOUT, last, bound);
            }
            long waitMs = Math.max(1, Math.min(config.registrationPoll().toMillis(), left / 1_000_000));
            synchronized (registrationSignal) {
                if (registrationUrcs == seen) {
                    try {
                        registrationSignal.wait(waitMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new AtLinkException("registration", last.map(x -> List.of(x.rawLine())).orElse(List.of()),
                                "interrupted while waiting for registration", e);
                    }
                }
                seen = registrationUrcs;
            }
        }
    }

    /** The operator ({@code AT+COPS?}, 27.007 §7.3); empty when not registered. */
    public Optional<Operator> operator() throws AtException {
        AtCommand c = AtCommand.query("AT+COPS?", "+COPS:");
        AtResponse r = engine.execute(c);
        String line = r.firstWithPrefix("+COPS:").orElseThrow(
                () -> new AtResponseFormatException(c.text(), r.lines(), "OK without a +COPS line"));
        return parse(r, line, Operator::parse);
    }

    /** Signal quality ({@code AT+CSQ}, 27.007 §8.5), with rssi in dBm. */
    public SignalQuality signal() throws AtException {
        AtCommand c = AtCommand.query("AT+CSQ", "+CSQ:");
        AtResponse r = engine.execute(c);
        String line = r.firstWithPrefix("+CSQ:").orElseThrow(
                () -> new AtResponseFormatException(c.text(), r.lines(), "OK without a +CSQ line"));
        return parse(r, line, SignalQuality::parse);
    }

    /**
     * Configures the APN and activates the data context: Quectel {@code AT+QICSGP} + {@code AT+QIACT};
     * otherwise {@code AT+CGDCONT} (+ {@code AT+CGAUTH} with credentials) + {@code AT+CGACT=1,<cid>}.
     * Does nothing more when the context is already active.
     */
    public void activateData(Apn apn) throws AtException {
        Objects.requireNonNull(apn, "apn");
        int cid = config.contextId();
        if (dialect == Dialect.QUECTEL) {
            engine.execute(AtCommand.action(String.format("AT+QICSGP=%d,%d,\"%s\",\"%s\",\"%s\",%d",
                    cid, apn.pdpType().quectelCode(), apn.name(), apn.user(), apn.password(), apn.auth().ordinal())));
            if (isDataActive()) {
                return;
            }
            engine.execute(AtCommand.action("AT+QIACT=" + cid).withTimeout(config.dataTimeout()));
        } else {
            engine.execute(AtCommand.action(String.format("AT+CGDCONT=%d,\"%s\",\"%s\"", cid, apn.pdpType().atName(), apn.name())));
            if (apn.auth() != Apn.Auth.NONE) {
                engine.execute(AtCommand.action(String.format("AT+CGAUTH=%d,%d,\"%s\",\"%s\"",
                        cid, apn.auth().ordinal(), apn.user(), apn.password())));
            }
            if (isDataActive()) {
                return;
            }
            engine.execute(AtCommand.action("AT+CGACT=1," + cid).withTimeout(config.dataTimeout()));
        }
        Logger.info("{}: data context {} active on APN '{}'", engine.linkName(), cid, apn.name());
    }

    /** Whether the data context is active ({@code AT+QIACT?} / {@code AT+CGACT?}). */
    public boolean isDataActive() throws AtException {
        int cid = config.contextId();
        if (dialect == Dialect.QUECTEL) {
            return Answers.qiactActive(engine.execute(AtCommand.query("AT+QIACT?", "+QIACT:")).lines(), cid);
        }
        AtResponse r = engine.execute(AtCommand.query("AT+CGACT?", "+CGACT:"));
        return parse(r, r.lines(), lines -> Answers.cgactActive(lines, cid));
    }

    /** Deactivates the data context ({@code AT+QIDEACT} / {@code AT+CGACT=0,<cid>}). */
    public void deactivateData() throws AtException {
        int cid = config.contextId();
        if (dialect == Dialect.QUECTEL) {
            engine.execute(AtCommand.action("AT+QIDEACT=" + cid).withTimeout(QIDEACT_TIMEOUT));
        } else {
            engine.execute(AtCommand.action("AT+CGACT=0," + cid).withTimeout(config.dataTimeout()));
        }
    }

    /**
     * The card's logical channels ({@code AT+CCHO}/{@code AT+CGLA}/{@code AT+CCHC}, or {@code AT+CSIM}) with
     * {@link ModemConfig#uicc()}; one instance per modem, so the path found once is kept.
     */
    public Uicc uicc() {
        Uicc u = uicc;
        if (u == null) {
            synchronized (this) {
                u = uicc;
                if (u == null) {
                    u = Uicc.on(engine, config.uicc());
                    uicc = u;
                }
            }
        }
        return u;
    }

    /** Pause between SIM state polls while waiting for the card after a refresh. */
    private static final Duration REFRESH_POLL = Duration.ofMillis(200);

    /**
     * Makes the modem read its card again and returns the IMSI and ICCID it sees then: the step after an eUICC
     * switched its enabled profile (SGP.22 EnableProfile), since many eUICCs only switch after a REFRESH or a modem
     * restart, and a terminal must not keep the old IMSI. Runs {@code how} ({@link SimRefresh.CfunCycle},
     * {@link SimRefresh.Restart} — then it waits for the modem's reset and {@link #initialise()}s it again — or a
     * vendor command), waits for {@code +CPIN: READY} (polling {@code AT+CPIN?}; the card answers busy or failed
     * while it boots), then reads {@link #imsi()} and {@link #iccid()}. Logical channels do not survive it.
     *
     * @param bound the whole refresh, at most
     * @throws SimRefreshException the modem did not reset, or the SIM not become ready, within {@code bound}
     */
    public SimIdentity refreshSim(SimRefresh how, Duration bound) throws AtException {
        Objects.requireNonNull(how, "how");
        Objects.requireNonNull(bound, "bound");
        long deadline = System.nanoTime() + bound.toNanos();
        String what;
        if (how instanceof SimRefresh.CfunCycle) {
            what = "AT+CFUN=0/1";
            engine.execute(AtCommand.action("AT+CFUN=0").withTimeout(SimRefresh.CFUN_TIMEOUT));
            engine.execute(AtCommand.action("AT+CFUN=1").withTimeout(SimRefresh.CFUN_TIMEOUT));
        } else if (how instanceof SimRefresh.Restart) {
            what = "AT+CFUN=1,1";
            restartAndWait(deadline, bound);
        } else {
            AtCommand c = ((SimRefresh.Vendor) how).command();
            what = c.text();
            engine.execute(c);
        }
        Logger.info("{}: SIM refresh by {}; waiting for the card", engine.linkName(), what);
        Optional<SimState> last = Optional.empty();
        AtException lastFailure = null;
        while (true) {
            SimState state = null;
            try {
                state = simState();
                last = Optional.of(state);
            } catch (AtErrorException | AtResetException | io.vinbind.modem.at.AtTimeoutException e) {
                lastFailure = e; // the card (or the modem) still booting: ask again until the bound
            }
            if (state == SimState.READY) {
                try {
                    SimIdentity id = new SimIdentity(imsi(), iccid());
                    Logger.info("{}: after the SIM refresh: IMSI {} ICCID {}", engine.linkName(), id.imsi().value(),
                            id.iccid().value());
                    return id;
                } catch (AtErrorException e) {
                    if (!e.isCme(CmeErrorCode.SIM_BUSY)) {
                        throw e; // e.g. +CME ERROR: 10 from an eUICC with no profile enabled: that is the answer
                    }
                    lastFailure = e;
                }
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new SimRefreshException(what, "SIM not ready after " + what, last, bound, lastFailure);
            }
            sleep(REFRESH_POLL, what);
        }
    }

    private void restartAndWait(long deadline, Duration bound) throws AtException {
        CountDownLatch reset = new CountDownLatch(1);
        Subscription s = engine.onEvent(e -> {
            if (e instanceof AtEvent.ModemReset) {
                reset.countDown();
            }
        });
        try {
            try {
                engine.execute(AtCommand.action("AT+CFUN=1,1").withTimeout(SimRefresh.CFUN_TIMEOUT));
            } catch (AtResetException e) {
                reset.countDown(); // RDY came before the OK
            }
            long left = deadline - System.nanoTime();
            boolean came;
            try {
                came = left > 0 && reset.await(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AtLinkException("AT+CFUN=1,1", List.of(), "interrupted while waiting for the restart", e);
            }
            if (!came) {
                throw new SimRefreshException("AT+CFUN=1,1", "no reset (RDY or the port returning) after AT+CFUN=1,1",
                        Optional.empty(), bound, null);
            }
        } finally {
            s.close();
        }
        AtException last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                initialise();
                return;
            } catch (AtException e) {
                last = e; // still booting
                sleep(REFRESH_POLL, "AT+CFUN=1,1");
            }
        }
        throw new SimRefreshException("AT+CFUN=1,1", "modem not answering after AT+CFUN=1,1", Optional.empty(), bound, last);
    }

    private static void sleep(Duration d, String what) throws AtLinkException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtLinkException(what, List.of(), "interrupted during the SIM refresh", e);
        }
    }

    /** Listens to modem events; called on the engine's dispatcher thread. */
    public Subscription onEvent(Consumer<ModemEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Closes the engine and its link. */
    @Override
    public void close() {
        subscriptions.forEach(Subscription::close);
        engine.close();
        urcWarnings.summarise();
    }

    // ------------------------------------------------------------------ internals

    private <T> T single(AtCommand c, Function<String, T> parser) throws AtException {
        AtResponse r = engine.execute(c);
        return parse(r, r.singleLine(), parser);
    }

    private static <I, T> T parse(AtResponse r, I input, Function<I, T> parser) throws AtResponseFormatException {
        try {
            return parser.apply(input);
        } catch (IllegalArgumentException e) {
            throw new AtResponseFormatException(r.command(), r.lines(), e.getMessage());
        }
    }

    private void onEngineEvent(AtEvent e) {
        ModemEvent m;
        if (e instanceof AtEvent.ModemReset reset) {
            m = new ModemEvent.Reset(reset.cause() + ": " + reset.detail(), reset.at());
        } else if (e instanceof AtEvent.LinkLost lost) {
            m = new ModemEvent.LinkLost(lost.reason(), lost.at());
        } else if (e instanceof AtEvent.Unresponsive u) {
            m = new ModemEvent.Unresponsive(u.consecutiveTimeouts(), u.lastCommand(), u.at());
        } else {
            throw new IllegalStateException("unhandled engine event " + e);
        }
        emit(m);
    }

    private void onRegistrationUrc(Urc urc) {
        synchronized (registrationSignal) {
            registrationUrcs++;
            registrationSignal.notifyAll();
        }
        try {
            emit(new ModemEvent.RegistrationChanged(Registration.parse(urc.line()), urc.receivedAt()));
        } catch (IllegalArgumentException ex) {
            urcWarnings.warn("{}: unparseable registration URC: {}", engine.linkName(), Untrusted.escape(ex.getMessage()));
        }
    }

    private void onSimUrc(Urc urc) {
        try {
            emit(new ModemEvent.SimStateChanged(Answers.cpin(urc.line()), urc.receivedAt()));
        } catch (IllegalArgumentException ex) {
            urcWarnings.warn("{}: unparseable SIM URC: {}", engine.linkName(), Untrusted.escape(ex.getMessage()));
        }
    }

    private void onDataUrc(Urc urc) {
        try {
            Answers.droppedContext(urc).ifPresent(cid -> {
                Logger.warn("{}: data context {} dropped: {}", engine.linkName(), cid, urc.line());
                emit(new ModemEvent.DataContextDropped(cid, urc.line(), urc.receivedAt()));
            });
        } catch (IllegalArgumentException ex) {
            urcWarnings.warn("{}: unparseable data URC: {}", engine.linkName(), Untrusted.escape(ex.getMessage()));
        }
    }

    private void emit(ModemEvent e) {
        for (Consumer<ModemEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                Logger.error(ex, "{}: modem event listener failed on {}", engine.linkName(), e);
            }
        }
    }
}
