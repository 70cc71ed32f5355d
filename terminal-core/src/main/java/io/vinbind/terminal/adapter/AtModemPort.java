package io.vinbind.terminal.adapter;

import io.vinbind.log.Untrusted;
import io.vinbind.modem.Apn;
import io.vinbind.modem.DeviceInfo;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemEvent;
import io.vinbind.modem.Registration;
import io.vinbind.modem.RegistrationDomain;
import io.vinbind.modem.RegistrationException;
import io.vinbind.modem.SignalQuality;
import io.vinbind.modem.SimState;
import io.vinbind.modem.at.AtErrorException;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.at.CmeErrorCode;
import io.vinbind.modem.at.Subscription;
import io.vinbind.modem.at.AtLinkException;
import io.vinbind.modem.at.AtResetException;
import io.vinbind.modem.at.AtTimeoutException;
import io.vinbind.modem.at.FinalResult;
import io.vinbind.modem.uicc.ApduKind;
import io.vinbind.modem.uicc.UiccChannel;
import io.vinbind.modem.uicc.UiccException;
import io.vinbind.protocol.Identifiers;
import io.vinbind.terminal.port.CardException;
import io.vinbind.terminal.port.CardPort;
import io.vinbind.terminal.port.ModemException;
import io.vinbind.terminal.port.ModemIdentity;
import io.vinbind.terminal.port.ModemPort;
import io.vinbind.terminal.port.RadioStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tinylog.Logger;

/**
 * {@link ModemPort} with the modem-at module's {@link Modem} (3GPP TS 27.007 and vendor dialects).
 *
 * <ul>
 *   <li>{@link #identify()}: initialise (echo off, numeric errors, registration URCs — again after every
 *       reset), wait for {@code +CPIN: READY} polling every {@value #SIM_POLL_MS} ms within the SIM bound,
 *       then {@code AT+CIMI}, ICCID (dialect command or {@code AT+CRSM}), {@code AT+CGSN}; and for the login's
 *       report the modem's model and revision ({@code AT+CGMM}, {@code AT+CGMR}) and, when the card is an eUICC,
 *       its EID ({@link EidReader}: ES10c GetEID on a logical channel, bounded, kept per card);</li>
 *   <li>{@link #attach()}: wait for registration (home or roaming, any domain) within the registration
 *       bound, then activate the data context with the APN;</li>
 *   <li>{@link #refreshRadio}: {@code AT+CSQ} and the registration queries for the status records, queued behind
 *       the modem's other work on the same thread (one at a time), and only once the modem has been initialised
 *       since its last reset; registration URCs update the reading between reads.</li>
 * </ul>
 * A SIM that is absent or locked is reported as such at once: waiting cannot fix it.
 *
 * <p>It is also the relay's {@link CardPort}: {@link #exclusive} work runs on the same worker thread as identify and
 * attach, so the AT port has one owner at a time. APDUs go under the modem's download deadline
 * ({@link io.vinbind.modem.uicc.UiccConfig#downloadApduTimeout()}), because the server relays ES10 of a profile
 * download whose STORE DATA of a profile element may take the card long.
 */
public final class AtModemPort implements ModemPort, CardPort, AutoCloseable {

    static final long SIM_POLL_MS = 500;
    private static final java.util.List<RegistrationDomain> PREFERENCE = java.util.List.of(
            RegistrationDomain.FIVE_GS, RegistrationDomain.EPS, RegistrationDomain.GPRS, RegistrationDomain.CS);

    private final Modem modem;
    private final Apn apn;
    private final Duration simReadyBound;
    private final Duration registrationBound;
    private final Worker worker = new Worker("vinbind-modem");
    private final Subscription subscription;
    private final EidReader eids;
    private volatile ModemEvents listener;
    /** The modem has been initialised since it last reset (echo off, URCs on): radio reads may go to it. */
    private volatile boolean initialised;
    private final AtomicBoolean radioQueued = new AtomicBoolean();
    private final Object radioLock = new Object();
    private final Map<RegistrationDomain, Registration> registrations = new EnumMap<>(RegistrationDomain.class); // radioLock
    private SignalQuality signal; // guarded by radioLock
    private Instant radioReadAt; // guarded by radioLock
    private boolean radioFresh; // guarded by radioLock
    /** When the last read failed, if it did: the next waits {@code maxAge} (a dead modem costs one timeout per age). */
    private Instant radioFailedAt; // guarded by radioLock

    /**
     * @param simReadyBound     how long a SIM may stay busy / not ready after power-up
     * @param registrationBound how long to wait for network registration
     */
    public AtModemPort(Modem modem, Apn apn, Duration simReadyBound, Duration registrationBound) {
        this(modem, apn, simReadyBound, registrationBound, EidReader.DEFAULT_BOUND);
    }

    /**
     * @param eidBound how long reading the EID may take at most (then the login goes without it)
     */
    public AtModemPort(Modem modem, Apn apn, Duration simReadyBound, Duration registrationBound, Duration eidBound) {
        this.modem = Objects.requireNonNull(modem, "modem");
        this.eids = new EidReader(modem, eidBound);
        this.apn = Objects.requireNonNull(apn, "apn");
        this.simReadyBound = Objects.requireNonNull(simReadyBound, "simReadyBound");
        this.registrationBound = Objects.requireNonNull(registrationBound, "registrationBound");
        this.subscription = modem.onEvent(this::onEvent);
    }

    @Override
    public void setListener(ModemEvents listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public CompletableFuture<ModemIdentity> identify() {
        return worker.submit(() -> {
            modem.initialise();
            initialised = true;
            awaitSimReady();
            String imsi = modem.imsi().value();
            String iccid = modem.iccid().value();
            String imei = modem.imei().value();
            String model = null;
            String firmware = null;
            try {
                DeviceInfo info = modem.deviceInfo();
                model = reportable("AT+CGMM", info.model());
                firmware = reportable("AT+CGMR", withoutRevisionLabel(info.revision()));
            } catch (AtErrorException e) {
                Logger.info("modem model not reported: {}", e.getMessage()); // no reason to fail the binding
            }
            ModemIdentity id = new ModemIdentity(imsi, iccid, imei, eids.eid(imsi, iccid), model, firmware);
            Logger.info("modem identity: IMSI {} ICCID {} IMEI {} EID {} model {} firmware {}", id.imsi(), id.iccid(),
                    id.imei(), id.eid() != null ? id.eid() : "none", id.modemModel() != null ? id.modemModel() : "-",
                    id.modemFirmware() != null ? id.modemFirmware() : "-");
            return id;
        }, e -> map(e, ModemException.Kind.SIM_FAILURE));
    }

    @Override
    public CompletableFuture<Void> attach() {
        return worker.submit(() -> {
            modem.awaitRegistration(registrationBound);
            modem.activateData(apn);
            return null;
        }, e -> map(e, ModemException.Kind.DATA_FAILED));
    }

    @Override
    public Optional<RadioStatus> radio() {
        synchronized (radioLock) {
            if (signal == null) {
                return Optional.empty(); // not read yet (URCs alone say nothing of the signal)
            }
            java.util.List<Registration> regs = new ArrayList<>();
            for (RegistrationDomain d : PREFERENCE) { // Modem.best prefers the earlier of two registered domains
                Registration r = registrations.get(d);
                if (r != null) {
                    regs.add(r);
                }
            }
            Registration best = regs.isEmpty() ? null : Modem.best(regs);
            return Optional.of(new RadioStatus(
                    signal.rssiDbm(), signal.bitErrorRate(),
                    best != null ? best.state().name() : "UNKNOWN",
                    best != null ? best.domain().name() : "NONE",
                    best != null ? best.accessTechnology().map(Enum::name) : Optional.empty(),
                    radioReadAt, radioFresh));
        }
    }

    @Override
    public void refreshRadio(Duration maxAge) {
        Objects.requireNonNull(maxAge, "maxAge");
        if (!initialised) {
            return; // before identify (or since a reset) the modem may echo and not yet report URCs
        }
        synchronized (radioLock) {
            Instant now = Instant.now();
            if (radioReadAt != null && radioFresh && now.isBefore(radioReadAt.plus(maxAge))) {
                return;
            }
            if (radioFailedAt != null && now.isBefore(radioFailedAt.plus(maxAge))) {
                return; // not again at every tick: each try on a modem that does not answer holds the port a timeout
            }
        }
        if (!radioQueued.compareAndSet(false, true)) {
            return; // one reading already waits behind the modem's work
        }
        worker.submit(() -> {
            readRadio();
            return null;
        }, e -> e).whenComplete((v, e) -> {
            radioQueued.set(false);
            if (e != null) {
                synchronized (radioLock) {
                    radioFresh = false;
                    radioFailedAt = Instant.now();
                }
                Logger.info("modem: radio not read for the status record ({}); the last reading is kept, marked stale",
                        Untrusted.escape(String.valueOf(e.getMessage()), 160));
            }
        });
    }

    private void readRadio() throws AtException {
        SignalQuality s = modem.signal();
        java.util.List<Registration> regs = modem.registrations();
        synchronized (radioLock) {
            signal = s;
            registrations.clear();
            regs.forEach(r -> registrations.put(r.domain(), r));
            radioReadAt = Instant.now();
            radioFresh = true;
            radioFailedAt = null;
        }
    }

    @Override
    public <T> CompletableFuture<T> exclusive(CardPort.Work<T> work) {
        Objects.requireNonNull(work, "work");
        return worker.submit(() -> work.run(card), e -> e);
    }

    private final CardPort.Card card = new CardPort.Card() {
        @Override
        public CardPort.Channel open(byte[] aid) throws CardException {
            return openChannel(aid);
        }

        @Override
        public CardPort.Refreshed refresh() throws CardException {
            try {
                io.vinbind.modem.SimIdentity id = modem.refreshSim(io.vinbind.modem.SimRefresh.cfunCycle(), simReadyBound);
                Logger.info("card refreshed: IMSI {} ICCID {}", id.imsi().value(), id.iccid().value());
                return new CardPort.Refreshed(id.imsi().value(), id.iccid().value());
            } catch (AtException e) {
                throw cardFailure(e, "refreshing the card");
            }
        }
    };

    private CardPort.Channel openChannel(byte[] aid) throws CardException {
        try {
            return new AtChannel(modem.uicc().open(aid));
        } catch (AtException e) {
            throw cardFailure(e, "opening a channel to the card");
        }
    }

    /** A modem-at channel as the relay's {@link CardPort.Channel}. */
    private static final class AtChannel implements CardPort.Channel {
        private final UiccChannel channel;

        AtChannel(UiccChannel channel) {
            this.channel = channel;
        }

        @Override
        public byte[] transmit(byte[] commandApdu) throws CardException {
            try {
                return channel.transmit(commandApdu, ApduKind.DOWNLOAD).bytes();
            } catch (AtException e) {
                throw cardFailure(e, "APDU on channel " + channel.number());
            }
        }

        @Override
        public void close() throws CardException {
            try {
                channel.close();
            } catch (AtException e) {
                throw cardFailure(e, "closing channel " + channel.number());
            }
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }
    }

    /** Sorts modem-at's failures into the relay's kinds. */
    static CardException cardFailure(AtException e, String what) {
        String message = what + ": " + e.getMessage();
        if (e instanceof AtTimeoutException || e instanceof AtLinkException || e instanceof AtResetException) {
            return new CardException(CardException.Kind.TIMEOUT, message, true, e);
        }
        if (e instanceof UiccException u) {
            // +CME ERROR: 13 to AT+CCHO of the ISD-R is how a SIM that is not an eUICC answers (modem-at sorts it so)
            if (u.reason() == UiccException.Reason.NO_SUCH_APPLICATION) {
                return new CardException(CardException.Kind.NO_SUCH_APPLICATION, message, false, e);
            }
            boolean absent = u.result().filter(r -> r instanceof FinalResult.CmeError c
                    && c.is(CmeErrorCode.SIM_NOT_INSERTED)).isPresent();
            if (absent) {
                return new CardException(CardException.Kind.CARD_ABSENT, message, false, e);
            }
            return new CardException(CardException.Kind.MODEM_ERROR, message, u.mayHaveReachedCard(), e);
        }
        if (e instanceof AtErrorException err && err.isCme(CmeErrorCode.SIM_NOT_INSERTED)) {
            return new CardException(CardException.Kind.CARD_ABSENT, message, false, e);
        }
        return new CardException(CardException.Kind.MODEM_ERROR, message, true, e);
    }

    /**
     * {@code value} stripped if the protocol's model-text rule takes it (1-64 characters of
     * {@code A-Z a-z 0-9 space . _ : / + -}); otherwise null and a line in the log: a login carrying it would be
     * refused, and the report is not worth that.
     */
    static String reportable(String command, String value) {
        String v = value == null ? "" : value.strip();
        if (Identifiers.isModelText(v)) {
            return v;
        }
        Logger.info("{} answered '{}', not 1-64 characters of A-Z a-z 0-9 space . _ : / + -; not reported", command,
                Untrusted.escape(v, 80));
        return null;
    }

    /**
     * The revision without the {@code Revision:} label many modems print before it in answer to {@code AT+CGMR}
     * as in {@code ATI} (Quectel, SIMCom SIM800): 27.007 §5.3 leaves the text to the manufacturer.
     */
    static String withoutRevisionLabel(String revision) {
        String r = revision.strip();
        return r.regionMatches(true, 0, "Revision:", 0, 9) ? r.substring(9).strip() : r;
    }

    private void awaitSimReady() throws AtException, ModemException, InterruptedException {
        long deadline = System.nanoTime() + simReadyBound.toNanos();
        SimState state;
        while (true) {
            state = modem.simState();
            switch (state) {
                case READY:
                    return;
                case NOT_INSERTED:
                    throw new ModemException(ModemException.Kind.SIM_ABSENT, "AT+CPIN?: SIM not inserted");
                case PIN_REQUIRED:
                case PUK_REQUIRED:
                case DEVICE_LOCKED:
                    throw new ModemException(ModemException.Kind.SIM_LOCKED, "AT+CPIN?: " + state
                            + " (the terminal does not hold a PIN; unlock the SIM or disable its PIN)");
                default:
                    break;
            }
            if (System.nanoTime() > deadline) {
                throw new ModemException(ModemException.Kind.SIM_FAILURE, "AT+CPIN?: SIM still " + state
                        + " after " + simReadyBound.toSeconds() + " s");
            }
            Thread.sleep(SIM_POLL_MS);
        }
    }

    static Exception map(Exception e, ModemException.Kind otherwise) {
        if (e instanceof ModemException) {
            return e;
        }
        if (e instanceof RegistrationException r) {
            return new ModemException(r.reason() == RegistrationException.Reason.DENIED
                    ? ModemException.Kind.REGISTRATION_DENIED : ModemException.Kind.NO_NETWORK, r.getMessage(), r);
        }
        if (e instanceof AtErrorException err) {
            if (err.isCme(CmeErrorCode.SIM_NOT_INSERTED)) {
                return new ModemException(ModemException.Kind.SIM_ABSENT, err.getMessage(), err);
            }
            if (err.isCme(CmeErrorCode.SIM_PIN_REQUIRED) || err.isCme(CmeErrorCode.SIM_PUK_REQUIRED)) {
                return new ModemException(ModemException.Kind.SIM_LOCKED, err.getMessage(), err);
            }
            return new ModemException(otherwise, err.getMessage(), err);
        }
        if (e instanceof AtException) {
            // timeouts, link loss, a reset in the middle of a command
            return new ModemException(ModemException.Kind.UNRESPONSIVE, e.getMessage(), e);
        }
        return new ModemException(otherwise, e.toString(), e);
    }

    private void onEvent(ModemEvent e) {
        if (e instanceof ModemEvent.RegistrationChanged rc) {
            synchronized (radioLock) {
                registrations.put(rc.registration().domain(), rc.registration());
            }
        }
        if (e instanceof ModemEvent.Reset || e instanceof ModemEvent.LinkLost) {
            initialised = false;
        }
        ModemEvents l = listener;
        if (l == null) {
            return;
        }
        if (e instanceof ModemEvent.Reset r) {
            l.modemReset(r.cause());
        } else if (e instanceof ModemEvent.LinkLost lost) {
            l.modemReset("serial link lost: " + lost.reason());
        } else if (e instanceof ModemEvent.Unresponsive u) {
            l.modemReset("unresponsive after " + u.consecutiveTimeouts() + " timeouts (last " + u.lastCommand() + ")");
        } else if (e instanceof ModemEvent.DataContextDropped d) {
            l.dataLost("context " + d.contextId() + ": " + d.rawLine());
        }
    }

    /** Stops the worker and the event subscription; the {@link Modem} itself belongs to the caller. */
    @Override
    public void close() {
        subscription.close();
        worker.close();
    }
}
