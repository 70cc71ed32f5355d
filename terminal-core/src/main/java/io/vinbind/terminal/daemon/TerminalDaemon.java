package io.vinbind.terminal.daemon;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanException;
import io.vinbind.can.SharedCanChannel;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeFrameCodec;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.terminal.adapter.AtModemPort;
import io.vinbind.terminal.adapter.CanPowerModeSource;
import io.vinbind.terminal.adapter.KeptSession;
import io.vinbind.terminal.adapter.LinePowerModeSource;
import io.vinbind.terminal.adapter.MqttBindingUplink;
import io.vinbind.terminal.adapter.UdsVinReader;
import io.vinbind.terminal.config.PowerSourceSpec;
import io.vinbind.terminal.config.TerminalConfig;
import io.vinbind.terminal.machine.BindingMachine;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.machine.ExecutorMachineScheduler;
import io.vinbind.terminal.machine.TerminalListener;
import io.vinbind.terminal.port.BindingUplink;
import io.vinbind.terminal.port.CardPort;
import io.vinbind.terminal.relay.RelayConfig;
import io.vinbind.terminal.relay.RelayService;
import io.vinbind.terminal.port.ModemPort;
import io.vinbind.terminal.port.PowerModeSource;
import io.vinbind.terminal.port.VinReader;
import io.vinbind.terminal.state.FileStateStore;
import io.vinbind.terminal.state.TerminalState;
import io.vinbind.terminal.tls.CredentialException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The terminal daemon: wires a {@link BindingMachine} to the vehicle (CAN: UDS VIN reads and the
 * power-mode broadcast), the modem (AT commands) and the binding server (MQTT 5), from a
 * {@link TerminalConfig}. Embeddable: build one with {@link #builder}, override any port (a bench may hand
 * in its own modem port or power-mode source), {@link #start()} it, observe it with listeners, and
 * {@link #close()} it.
 *
 * <pre>{@code
 * TerminalConfig config = TerminalConfig.load(Path.of("terminal.properties"));
 * try (TerminalDaemon daemon = TerminalDaemon.builder(config).listener(myListener).build()) {
 *     daemon.start();
 *     ...                                   // daemon.state(), daemon.terminalState(), daemon.requestBinding()
 * }
 * }</pre>
 *
 * <p>The data directory is locked ({@value #LOCK_FILE}) while the daemon runs, so two daemons never write
 * one state file. Service requests from {@code ./vinbind terminal request-bind} arrive as a request file
 * the machine looks for at every attempt and every {@code service.poll} while powered and resting.
 *
 * <p><b>The kept session and the eSIM relay.</b> With the uplink it builds itself (not one handed in), the daemon keeps
 * the terminal's MQTT session while the vehicle is powered ({@link KeptSession}; the binding machine uses the same
 * session) and subscribes it to {@code vinbind/v2/{terminalId}/esim/batch}: a {@link RelayService} runs the server's
 * APDU batches on the card through the modem's {@link CardPort} (the AT modem port is one; a bench may hand in
 * another), serialised with the binding's modem steps. At power OFF the relay stops (its answers go out), then the
 * session ends with a clean DISCONNECT.
 */
public final class TerminalDaemon implements AutoCloseable {

    /** Lock file in the data directory. */
    public static final String LOCK_FILE = "terminal.lock";

    private final TerminalConfig config;
    private final Clock clock;
    private final RandomGenerator random;
    private final List<TerminalListener> listeners;
    private final Optional<VinReader> givenVinReader;
    private final Optional<ModemPort> givenModem;
    private final Optional<BindingUplink> givenUplink;
    private final Optional<PowerModeSource> givenPowerSource;
    private final Optional<CanChannel> givenCan;
    private final Optional<CardPort> givenCard;
    private final RelayConfig relayConfig;
    private KeptSession session;
    private RelayService relay;
    private io.vinbind.terminal.presence.HeartbeatService heartbeats;
    private io.vinbind.terminal.presence.StatusRecorder records;
    private volatile ModemPort modemPort;
    private volatile PowerMode lastPower = PowerMode.OFF;
    private java.util.concurrent.ExecutorService powerThread;

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private ExecutorMachineScheduler scheduler;
    private BindingMachine machine;
    private PowerModeSource powerSource;
    private boolean started;
    private boolean closed;
    private final CompletableFuture<Exception> failure = new java.util.concurrent.CompletableFuture<>();

    private TerminalDaemon(Builder b) {
        this.config = b.config;
        this.clock = b.clock;
        this.random = b.random;
        this.listeners = List.copyOf(b.listeners);
        this.givenVinReader = Optional.ofNullable(b.vinReader);
        this.givenModem = Optional.ofNullable(b.modem);
        this.givenUplink = Optional.ofNullable(b.uplink);
        this.givenPowerSource = Optional.ofNullable(b.powerSource);
        this.givenCan = Optional.ofNullable(b.canChannel);
        this.givenCard = Optional.ofNullable(b.card);
        this.relayConfig = b.relayConfig;
    }

    public static Builder builder(TerminalConfig config) {
        return new Builder(config);
    }

    /** How to build a daemon; every port not given is made from the configuration. */
    public static final class Builder {
        private final TerminalConfig config;
        private Clock clock = Clock.systemUTC();
        private RandomGenerator random = RandomGenerator.getDefault();
        private final List<TerminalListener> listeners = new ArrayList<>();
        private VinReader vinReader;
        private ModemPort modem;
        private BindingUplink uplink;
        private PowerModeSource powerSource;
        private CanChannel canChannel;
        private CardPort card;
        private RelayConfig relayConfig = RelayConfig.DEFAULT;

        private Builder(TerminalConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The clock for timestamps (state file, transitions); delays always use the monotonic clock. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** The source of backoff jitter. */
        public Builder random(RandomGenerator r) {
            this.random = Objects.requireNonNull(r, "random");
            return this;
        }

        /** A listener registered before the machine starts, so it sees every transition. */
        public Builder listener(TerminalListener l) {
            listeners.add(Objects.requireNonNull(l, "listener"));
            return this;
        }

        /** An already open CAN channel to use instead of opening {@code can.channel}; the daemon closes it. */
        public Builder canChannel(CanChannel c) {
            this.canChannel = Objects.requireNonNull(c, "canChannel");
            return this;
        }

        public Builder vinReader(VinReader r) {
            this.vinReader = Objects.requireNonNull(r, "vinReader");
            return this;
        }

        public Builder modem(ModemPort m) {
            this.modem = Objects.requireNonNull(m, "modem");
            return this;
        }

        public Builder uplink(BindingUplink u) {
            this.uplink = Objects.requireNonNull(u, "uplink");
            return this;
        }

        /** The card for the eSIM relay, when the modem port handed in is not one (an {@link AtModemPort} is). */
        public Builder card(CardPort c) {
            this.card = Objects.requireNonNull(c, "card");
            return this;
        }

        /** Bounds of the eSIM relay ({@link RelayConfig#DEFAULT} otherwise). */
        public Builder relayConfig(RelayConfig c) {
            this.relayConfig = Objects.requireNonNull(c, "relayConfig");
            return this;
        }

        public Builder powerSource(PowerModeSource s) {
            this.powerSource = Objects.requireNonNull(s, "powerSource");
            return this;
        }

        public TerminalDaemon build() {
            return new TerminalDaemon(this);
        }
    }

    /**
     * Locks the data directory, opens CAN, the modem and the uplink, loads the state and starts the
     * machine and the power-mode source. On failure everything opened so far is closed again.
     */
    public synchronized void start() throws TerminalStartException {
        if (started || closed) {
            throw new IllegalStateException(closed ? "daemon closed" : "daemon already started");
        }
        started = true;
        try {
            Logger.info("terminal daemon starting: {}", config);
            lockDataDirectory();
            FileStateStore store = new FileStateStore(config.dataDir(), clock);

            SharedCanChannel bus = null;
            boolean needCan = givenVinReader.isEmpty()
                    || (givenPowerSource.isEmpty() && config.power() instanceof PowerSourceSpec.Can);
            if (needCan) {
                bus = SharedCanChannel.over(openCan());
                resources.push(bus);
            }
            VinReader vinReader = givenVinReader.isPresent() ? givenVinReader.get() : udsReader(bus);
            ModemPort modem = givenModem.isPresent() ? givenModem.get() : atModem();
            modemPort = modem;
            BindingUplink uplink;
            if (givenUplink.isPresent()) {
                uplink = givenUplink.get();
            } else {
                warnIfInsecure();
                MqttBindingUplink u = mqttUplink();
                session = new KeptSession(u, config.machine().connectTimeout());
                resources.push(session);
                uplink = session;
                heartbeats = new io.vinbind.terminal.presence.HeartbeatService(u.terminalId(), clock,
                        u::publishHeartbeat, u::connectionSerial);
                u.setPresence(heartbeats::ackArrived, heartbeats::will);
                io.vinbind.terminal.presence.HeartbeatService hbLimits = heartbeats;
                records = new io.vinbind.terminal.presence.StatusRecorder(u.terminalId(), heartbeats.session(), clock,
                        config.dataDir(), u::publishStatus, u::connectionSerial, hbLimits::sendInterval,
                        hbLimits::storageRecords);
                u.setStatusHandler(records::ackArrived);
                io.vinbind.terminal.presence.StatusRecorder rec = records;
                heartbeats.onAlive(() -> rec.record(facts()));
                java.util.concurrent.ScheduledExecutorService ticker =
                        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                            Thread t = new Thread(r, "vinbind-heartbeat");
                            t.setDaemon(true);
                            t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
                            return t;
                        });
                io.vinbind.terminal.presence.HeartbeatService hbs = heartbeats;
                ticker.scheduleWithFixedDelay(() -> {
                    try {
                        if (lastPower.isPowered()) {
                            modem.refreshRadio(radioMaxAge(hbs.interval())); // read behind the modem's own work
                        }
                        hbs.tick();
                        rec.tick();
                    } catch (RuntimeException e) {
                        Logger.error(e, "presence: heartbeat tick failed");
                    }
                }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
                resources.push(ticker::shutdownNow);
                Optional<CardPort> card = givenCard.isPresent() ? givenCard
                        : modem instanceof CardPort c ? Optional.of(c) : Optional.empty();
                if (card.isPresent()) {
                    relay = RelayService.open(u.terminalId(), card.get(), config.dataDir(), relayConfig,
                            session::publishResult);
                    resources.push(relay);
                    u.setRelayHandler(relay::batchArrived);
                } else {
                    Logger.info("no card port: the eSIM relay is off");
                }
                powerThread = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "vinbind-power");
                    t.setDaemon(true);
                    t.setUncaughtExceptionHandler((th, e) -> Logger.error(e, "uncaught in {}", th.getName()));
                    return t;
                });
                resources.push(powerThread::shutdownNow);
            }
            if (!uplink.terminalId().equals(config.terminalId())) {
                Logger.warn("the uplink handed in speaks for terminal {}, the configuration names {}; requests carry {}",
                        uplink.terminalId(), config.terminalId(), uplink.terminalId());
            }
            powerSource = givenPowerSource.isPresent() ? givenPowerSource.get() : powerSource(bus);

            scheduler = new ExecutorMachineScheduler(clock, "vinbind-terminal");
            machine = new BindingMachine(config.machine(), scheduler, store, vinReader, modem, uplink, random);
            machine.reportAs(config.terminalModel(), SoftwareVersion.current().orElse(null));
            listeners.forEach(machine::addListener);
            if (relay != null) {
                BindingMachine m = machine;
                relay.onRefresh(r -> m.profileSwitched(r.imsi()));
            }
            if (session != null) {
                KeptSession s = session;
                machine.addListener(t -> s.machineResting(t.to() == BindingState.BOUND
                        || t.to() == BindingState.SUSPENDED));
            }
            machine.start();
            powerSource.start(this::onPower);
            Logger.info("terminal daemon running; data directory {}", config.dataDir());
        } catch (TerminalStartException e) {
            closeQuietly();
            throw e;
        } catch (Exception e) {
            closeQuietly();
            throw new TerminalStartException("terminal daemon failed to start: " + e.getMessage(), e);
        }
    }

    private void lockDataDirectory() throws TerminalStartException {
        Path lockFile = config.dataDir().resolve(LOCK_FILE);
        try {
            Files.createDirectories(config.dataDir());
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new TerminalStartException("data directory " + config.dataDir()
                        + " is in use by another terminal daemon (" + lockFile + " is locked)", null);
            }
            FileLock held = lock;
            resources.push(() -> {
                held.release();
                ch.close();
            });
        } catch (IOException e) {
            throw new TerminalStartException("cannot use data directory " + config.dataDir() + ": " + e, e);
        }
    }

    /** Every start says so while the broker may be reached without TLS off loopback (mqtt.insecure-plaintext). */
    private void warnIfInsecure() {
        insecureWarning(config).ifPresent(Logger::warn);
    }

    /** The warning every start logs with {@code mqtt.insecure-plaintext = true}; empty otherwise. */
    static Optional<String> insecureWarning(TerminalConfig config) {
        if (!config.insecurePlaintext()) {
            return Optional.empty();
        }
        return Optional.of("mqtt.insecure-plaintext = true: terminal " + config.terminalId() + " talks to "
                + config.mqttBroker() + " WITHOUT TLS; anyone on the path can read its requests and forge the "
                + "server's answers. Use ssl:// with mqtt.ca-file, mqtt.cert-file and mqtt.key-file");
    }

    private MqttBindingUplink mqttUplink() throws TerminalStartException {
        try {
            return MqttBindingUplink.fromConfig(config, Duration.ofSeconds(1));
        } catch (CredentialException e) {
            throw new TerminalStartException("cannot use the terminal's TLS files: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new TerminalStartException("cannot build the TLS context for " + config.mqttBroker() + ": " + e, e);
        }
    }

    private CanChannel openCan() throws TerminalStartException {
        if (givenCan.isPresent()) {
            return givenCan.get();
        }
        try {
            return CanChannels.open(config.canChannel());
        } catch (CanException e) {
            throw new TerminalStartException("cannot open CAN channel " + config.canChannel() + " (can.channel): "
                    + e.getMessage(), e);
        }
    }

    private VinReader udsReader(SharedCanChannel bus) throws CanException {
        UdsClient client = UdsClient.over(bus.newView("uds"), config.uds());
        UdsVinReader reader = new UdsVinReader(client);
        resources.push(reader);
        return reader;
    }

    private ModemPort atModem() throws TerminalStartException {
        Modem modem;
        try {
            ModemConfig mc = config.modemDialect().map(ModemConfig.DEFAULT::withDialect).orElse(ModemConfig.DEFAULT);
            modem = Modem.open(config.modemSerial(), mc);
        } catch (Exception e) {
            throw new TerminalStartException("cannot open modem on " + config.modemSerial().portPath()
                    + " (modem.port): " + e.getMessage(), e);
        }
        resources.push(modem);
        AtModemPort port = new AtModemPort(modem, config.apn(), config.simReady(), config.registration());
        resources.push(port);
        return port;
    }

    private PowerModeSource powerSource(SharedCanChannel bus) {
        PowerModeSource source;
        if (config.power() instanceof PowerSourceSpec.Can can) {
            source = new CanPowerModeSource(bus.newView("power-mode"), new PowerModeFrameCodec(can.layout()),
                    can.silenceMeansOff(), e -> transportFailed("CAN channel " + config.canChannel(), e));
        } else if (config.power() instanceof PowerSourceSpec.File file) {
            source = LinePowerModeSource.ofFile(file.path(), Duration.ofMillis(200));
        } else {
            source = LinePowerModeSource.ofStream(System.in, "stdin");
        }
        return source;
    }

    private void transportFailed(String what, Exception e) {
        Logger.error("{} failed for good ({}); the daemon cannot work without it", what, e.getMessage());
        failure.complete(new TerminalStartException(what + " failed: " + e.getMessage(), e));
    }

    /**
     * Completes when a transport the daemon cannot reopen by itself has failed (the CAN adapter was
     * unplugged): the command line then stops with exit status 1 so that the service manager restarts the
     * daemon with a fresh channel. (The modem link reopens by itself; MQTT reconnects per attempt.)
     */
    public CompletableFuture<Exception> failure() {
        return failure;
    }

    /** The machine's state (a snapshot). */
    public BindingState state() {
        BindingMachine m = machine;
        return m == null ? BindingState.OFF : m.state();
    }

    /** The persisted terminal state as the machine holds it (null before start). */
    public TerminalState terminalState() {
        BindingMachine m = machine;
        return m == null ? null : m.terminalState();
    }

    /** Adds a listener; it sees the transitions from now on. */
    public void addListener(TerminalListener l) {
        requireStarted().addListener(l);
    }

    public void removeListener(TerminalListener l) {
        requireStarted().removeListener(l);
    }

    /** A service request: bind again (persisted, taken at once when powered and resting). */
    public void requestBinding() {
        requireStarted().requestBinding();
    }

    /** Feeds a power mode as if the power-mode source had reported it (benches, tests). */
    public void powerMode(PowerMode mode) {
        requireStarted();
        onPower(mode);
    }

    /**
     * Every power-mode report: to the machine at once, and in order to the session and the relay on their own thread
     * (at OFF the relay's last answers go out before the session's clean DISCONNECT, without holding up the source).
     */
    /**
     * What a status record says: the power mode, the binding state and the radio as the modem last reported it
     * (signal, registration, access technology; {@link io.vinbind.terminal.port.RadioStatus#facts()}).
     */
    private java.util.Map<String, String> facts() {
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
        f.put("power", lastPower.name());
        BindingMachine m = machine;
        if (m != null) {
            f.put("state", m.state().name());
        }
        ModemPort p = modemPort;
        if (p != null) {
            p.radio().ifPresent(r -> f.putAll(r.facts()));
        }
        return f;
    }

    /**
     * How old the radio reading may be when a heartbeat's record takes it: half the heartbeat interval, between 5 s and
     * 60 s (each read is two or four AT commands, queued behind the binding's and the relay's).
     */
    static Duration radioMaxAge(Duration heartbeatInterval) {
        Duration half = heartbeatInterval.dividedBy(2);
        return half.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5)
                : half.compareTo(Duration.ofSeconds(60)) > 0 ? Duration.ofSeconds(60) : half;
    }

    private void onPower(PowerMode mode) {
        // the source reports every broadcast frame (every 50 ms on the bench, 10-100 ms on a vehicle), not changes
        boolean changed = mode != lastPower;
        lastPower = mode;
        BindingMachine m = machine;
        java.util.concurrent.ExecutorService p = powerThread;
        if (p != null) {
            KeptSession s = session;
            RelayService r = relay;
            io.vinbind.terminal.presence.HeartbeatService h = heartbeats;
            io.vinbind.terminal.presence.StatusRecorder rec = records;
            try {
                p.execute(() -> {
                    if (rec != null && changed) {
                        try {
                            rec.record(facts()); // every power change is a record (not every frame: it would flood the store)
                        } catch (RuntimeException e) {
                            Logger.warn("presence: status record not kept: {}", e.getMessage());
                        }
                    }
                    if (mode.isPowered()) {
                        s.powerOn();
                        if (h != null) {
                            h.powerOn();
                        }
                        if (r != null) {
                            r.powerMode(mode);
                        }
                    } else {
                        if (r != null) {
                            r.powerOff().join();
                        }
                        if (h != null) {
                            h.powerOff().join(); // the last heartbeat says POWER_OFF before the clean DISCONNECT
                        }
                        s.powerOff();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                Logger.debug("power mode {} after close", mode);
            }
        }
        m.powerMode(mode);
    }

    /** Status records, when the daemon keeps its own session. */
    public Optional<io.vinbind.terminal.presence.StatusRecorder> statusRecords() {
        return Optional.ofNullable(records);
    }

    /** Presence heartbeats, when the daemon keeps its own session. */
    public Optional<io.vinbind.terminal.presence.HeartbeatService> heartbeats() {
        return Optional.ofNullable(heartbeats);
    }

    /** The eSIM relay, when the daemon runs one. */
    public Optional<RelayService> relay() {
        return Optional.ofNullable(relay);
    }

    public TerminalConfig config() {
        return config;
    }

    private BindingMachine requireStarted() {
        BindingMachine m = machine;
        if (m == null) {
            throw new IllegalStateException("daemon not started");
        }
        return m;
    }

    /** Stops the power-mode source and the machine (the attempt is aborted, the flag kept) and closes all. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly();
        Logger.info("terminal daemon stopped");
    }

    private void closeQuietly() {
        if (powerSource != null) {
            powerSource.close();
        }
        if (machine != null) {
            machine.stop();
        }
        if (scheduler != null) {
            scheduler.close(Duration.ofSeconds(5));
        }
        while (!resources.isEmpty()) {
            AutoCloseable r = resources.pop();
            try {
                r.close();
            } catch (Exception e) {
                Logger.warn(e, "closing {} failed", r);
            }
        }
    }
}
