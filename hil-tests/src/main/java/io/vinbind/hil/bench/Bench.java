package io.vinbind.hil.bench;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanException;
import io.vinbind.can.sim.EcuFault;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.uds.UdsAddressing;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.can.virtual.VirtualCanBus;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.link.SerialLink;
import io.vinbind.modem.link.SocatPtyPair;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.state.FileStateStore;
import io.vinbind.terminal.state.StateReading;
import io.vinbind.terminal.state.TerminalState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.tinylog.Logger;

/**
 * One vehicle on the bench: the smart-key ECU simulator, the modem simulator, the real terminal (state
 * machine with its CAN, AT and MQTT adapters) and the binding server, joined through the chosen transports.
 * Build one with {@link #builder()}, drive it with the control methods, observe it through {@link #log()},
 * {@link #readState()} and {@link #api()}, and close it; closing stops every thread and process it started
 * and deletes its temporary directory.
 *
 * <pre>{@code
 * try (Bench bench = Bench.builder().server(sharedServer).build()) {
 *     int mark = bench.log().mark();
 *     bench.ignition(PowerMode.ACC);
 *     bench.log().awaitEnter(mark, BindingState.BOUND, Duration.ofSeconds(20));
 *     bench.api().bindingOfVin(bench.vin());            // what the server says
 *     bench.readState();                                // what the terminal persisted
 * }
 * }</pre>
 *
 * <p>Wiring ({@code docs/bench.md} draws it): ECU simulator ⇄ CAN transport ⇄ terminal (one CAN connection
 * shared by the UDS client and the power-mode listener, as on a head unit); modem simulator ⇄ AT transport
 * ⇄ terminal; terminal ⇄ {@link NetworkLink} ⇄ broker ⇄ server. The ignition is the ECU simulator's
 * power-mode broadcast, so the terminal learns it from the bus as in a vehicle.
 */
public final class Bench implements AutoCloseable {

    private static final AtomicInteger BENCHES = new AtomicInteger();
    /** Bitrate of the bench's SLCAN adapters (the usual body CAN rate). */
    static final int CAN_BITRATE = 500_000;
    /** {@code modem.port} placeholder when the in-JVM modem link is handed to the daemon directly. */
    static final String IN_JVM_MODEM_PORT = "in-jvm-modem-link";
    /** Broadcast period of the power mode on the bench. */
    static final Duration POWER_PERIOD = Duration.ofMillis(50);

    private final Builder spec;
    private final String name;
    private final Path workDir;
    private final boolean ownWorkDir;
    private final TransitionLog log;
    private final BenchServer server;
    private final boolean ownServer;
    private final NetworkLink link;

    // CAN
    private SocatPtyPair canPty;
    private VirtualCanBus virtualBus;
    private EcuSimulator ecu;
    private String vin;
    private PowerMode power = PowerMode.OFF;

    // modem
    private SocatPtyPair modemPty;
    private InMemoryLinkPair modemPair;
    private SerialLink modemSimLink;
    private ModemSimulator modem;
    private Identity modemIdentity;

    // terminal
    private String terminalId;
    private Path terminalDir;
    private int terminalGeneration;
    private BenchTerminal terminal;
    private boolean closed;

    private Bench(Builder b) {
        this.spec = b;
        this.name = b.name != null ? b.name : "bench-" + BENCHES.incrementAndGet();
        this.log = new TransitionLog(name);
        boolean ok = false;
        Path dir = b.workDir;
        boolean own = false;
        BenchServer srv = b.server;
        boolean ownSrv = false;
        NetworkLink net = null;
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("vinbind-" + name + "-");
                own = true;
            }
            this.workDir = dir;
            this.ownWorkDir = own;
            Files.createDirectories(dir.resolve("tty"));
            if (srv == null) {
                srv = BenchServer.start(b.backend, dir.resolve("server"), b.platforms, b.presence);
                ownSrv = true;
            }
            this.server = srv;
            this.ownServer = ownSrv;
            net = NetworkLink.start(srv.mqttUri());
            this.link = net;
            this.vin = b.vin;
            this.modemIdentity = b.modemIdentity;
            this.terminalId = b.terminalId;
            if (b.registerModem) {
                srv.registerAtFactory(modemIdentity);
            }
            startCan();
            startModem();
            this.terminalDir = dir.resolve("terminal-" + (++terminalGeneration));
            if (b.startTerminal) {
                startTerminal();
            }
            ok = true;
        } catch (IOException e) {
            throw new BenchException(name + ": cannot set up the bench: " + e.getMessage(), e);
        } finally {
            if (!ok) {
                closeAfterFailedStart(net, srv, ownSrv, dir, own);
            }
        }
        Logger.info("{} ready: terminal {}, VIN {}, IMSI {}, CAN {}, modem {}, server {}", name, terminalId, vin,
                modemIdentity.imsi(), spec.can, spec.modem, server.backend());
    }

    private void closeAfterFailedStart(NetworkLink net, BenchServer srv, boolean ownSrv, Path dir, boolean own) {
        stopTerminalQuietly();
        closeSimulators();
        if (net != null) {
            net.close();
        }
        if (ownSrv && srv != null) {
            srv.close();
        }
        if (own && dir != null) {
            deleteTree(dir);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ observation

    public String name() {
        return name;
    }

    /** The VIN the vehicle's smart-key ECU holds now. */
    public synchronized String vin() {
        return vin;
    }

    /** The identity the modem (with its SIM) reports now. */
    public synchronized Identity modemIdentity() {
        return modemIdentity;
    }

    /** The terminal's identity: its certificate's CN and its topic level (changes only with {@link #replaceTerminal}). */
    public synchronized String terminalId() {
        return terminalId;
    }

    /** Every transition, decision and bind the terminal reported, with the waits built on them. */
    public TransitionLog log() {
        return log;
    }

    public BenchServer server() {
        return server;
    }

    /** The server's HTTP API. */
    public ServerApi api() {
        return server.api();
    }

    /** The data path between the terminal and the broker. */
    public NetworkLink link() {
        return link;
    }

    /** The running smart-key ECU simulator (faults, power mode, request count). */
    public synchronized EcuSimulator ecu() {
        return ecu;
    }

    /** The running modem simulator (SIM, network, reset, faults). */
    public synchronized ModemSimulator modem() {
        return modem;
    }

    /** The terminal's state directory (holds {@link FileStateStore#STATE_FILE}). */
    public synchronized Path terminalDir() {
        return terminalDir;
    }

    /** The terminal's state file. */
    public Path stateFile() {
        return terminalDir().resolve(FileStateStore.STATE_FILE);
    }

    /** What the terminal's state file holds, read without side effects. */
    public StateReading readState() {
        try {
            return new FileStateStore(terminalDir(), Clock.systemUTC()).read();
        } catch (IOException e) {
            throw new BenchException(name + ": cannot open state directory " + terminalDir(), e);
        }
    }

    /** The persisted state, failing when the file is missing or corrupt. */
    public TerminalState persistedState() {
        StateReading r = readState();
        if (r instanceof StateReading.Present p) {
            return p.state();
        }
        throw new BenchException(name + ": state file " + stateFile() + " is not usable: " + r);
    }

    /** The running in-JVM terminal; empty when the bench was built without one (out-of-process daemon). */
    public synchronized Optional<BenchTerminal> terminal() {
        return Optional.ofNullable(terminal);
    }

    /**
     * The CAN channel the terminal opens: {@code slcan:<pty>@500000}, {@code socketcan:vcan0}, or
     * {@code virtual:<bus>} (reachable only inside this JVM).
     */
    public synchronized String terminalCanSpec() {
        return switch (spec.can) {
            case SLCAN_PTY -> "slcan:" + canPty.b() + "@" + CAN_BITRATE;
            case SOCKETCAN_VCAN -> "socketcan:" + CanTransport.VCAN_INTERFACE;
            case IN_JVM -> "virtual:" + virtualBus.name();
        };
    }

    /** The modem AT port the terminal opens, for an out-of-process daemon. */
    public synchronized Path terminalModemPort() {
        if (spec.modem != ModemTransport.PTY) {
            throw new IllegalStateException("an in-JVM modem link cannot be reached from another process");
        }
        return modemPty.b();
    }

    /**
     * The {@code terminal.properties} of this bench's terminal: the CAN channel and modem port of the chosen
     * transports, the network link as broker, the terminal's id and (with a TLS broker) its certificate, key and
     * the broker's CA as the server's PKI issued them, the state directory and the bench's timings. The in-JVM
     * terminal is configured from exactly this; a crash test writes it to a file and runs
     * {@code ./vinbind terminal run} as a separate process with it (pty or vcan transports only, and with
     * {@link Builder#startTerminal(boolean) startTerminal(false)}).
     */
    public Properties terminalProperties() {
        TerminalTimings t = spec.timings;
        Properties p = new Properties();
        p.setProperty("can.channel", terminalCanSpec());
        p.setProperty("uds.p2", t.udsP2().toMillis() + "ms");
        p.setProperty("uds.p2-star", t.udsP2Star().toMillis() + "ms");
        p.setProperty("uds.timeout", t.udsOverall().toMillis() + "ms");
        p.setProperty("power.source", "can");
        p.setProperty("power.silence-off", t.powerSilenceOff().toMillis() + "ms");
        p.setProperty("modem.port", spec.modem == ModemTransport.PTY ? terminalModemPort().toString()
                : IN_JVM_MODEM_PORT);
        p.setProperty("modem.apn", BenchTerminal.APN.name());
        BenchServer.TerminalCredentials credentials = server.credentialsFor(terminalId());
        p.setProperty("terminal.id", credentials.terminalId());
        p.setProperty("mqtt.broker", (credentials.tls() ? link.tlsUri() : link.uri()).toString());
        credentials.caFile().ifPresent(f -> p.setProperty("mqtt.ca-file", f.toString()));
        credentials.certFile().ifPresent(f -> p.setProperty("mqtt.cert-file", f.toString()));
        credentials.keyFile().ifPresent(f -> p.setProperty("mqtt.key-file", f.toString()));
        p.setProperty("mqtt.keep-alive", t.keepAlive().toSeconds() + "s");
        p.setProperty("data.dir", terminalDir().toString());
        p.setProperty("vin.mode", t.machine().vinMode().name());
        p.setProperty("vin.reads", Integer.toString(t.machine().vinReads()));
        p.setProperty("timeout.vin-read", t.machine().vinReadTimeout().toMillis() + "ms");
        p.setProperty("timeout.sim-ready", t.simReady().toMillis() + "ms");
        p.setProperty("timeout.identify", t.machine().identifyTimeout().toMillis() + "ms");
        p.setProperty("timeout.registration", t.registration().toMillis() + "ms");
        p.setProperty("timeout.attach", t.machine().attachTimeout().toMillis() + "ms");
        p.setProperty("timeout.connect", t.machine().connectTimeout().toMillis() + "ms");
        p.setProperty("timeout.login-ack", t.machine().loginAckTimeout().toMillis() + "ms");
        p.setProperty("timeout.bind-ack", t.machine().bindAckTimeout().toMillis() + "ms");
        p.setProperty("retry.initial", t.machine().retry().initial().toMillis() + "ms");
        p.setProperty("retry.max", t.machine().retry().max().toMillis() + "ms");
        p.setProperty("retry.multiplier", Double.toString(t.machine().retry().multiplier()));
        p.setProperty("retry.jitter", Double.toString(t.machine().retry().jitter()));
        p.setProperty("retry.max-attempts", Integer.toString(t.machine().retry().maxAttempts()));
        p.setProperty("service.poll", t.machine().serviceRequestPoll().toMillis() + "ms");
        return p;
    }

    // ------------------------------------------------------------------ control: vehicle

    /** Sets the ignition: the ECU simulator broadcasts the mode and the terminal hears it on the bus. */
    public synchronized void ignition(PowerMode mode) {
        Objects.requireNonNull(mode, "mode");
        power = mode;
        ecu.setPowerMode(mode);
    }

    /** The ignition as last set. */
    public synchronized PowerMode ignition() {
        return power;
    }

    /**
     * Ignition OFF, waits (bounded) until the terminal is OFF, then {@code mode}: a new power cycle.
     * Returns the log mark taken just before the new power-up.
     */
    public int ignitionCycle(PowerMode mode, Duration bound) {
        if (terminal().isPresent() && log.current() != BindingState.OFF) {
            int off = log.mark();
            ignition(PowerMode.OFF);
            log.awaitEnter(off, BindingState.OFF, bound);
        } else {
            ignition(PowerMode.OFF);
        }
        int mark = log.mark();
        ignition(mode);
        return mark;
    }

    /** Makes the smart-key ECU misbehave (or behave again with {@link EcuFault.None}). */
    public synchronized void ecuFault(EcuFault fault) {
        ecu.setFault(fault);
    }

    /**
     * Moves the terminal into another vehicle: the ECU simulator is replaced by one holding {@code newVin}
     * (ignition as it is now). Do it with the ignition OFF, as a workshop would.
     */
    public synchronized void replaceVehicle(String newVin) {
        Objects.requireNonNull(newVin, "newVin");
        Logger.info("{}: vehicle replaced: VIN {} -> {}", name, vin, newVin);
        ecu.close();
        ecu = null;
        vin = newVin;
        try {
            ecu = EcuSimulator.start(openEcuChannel(), ecuConfig(newVin));
        } catch (CanException e) {
            throw new BenchException(name + ": cannot start the ECU simulator of VIN " + newVin + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ control: modem

    /**
     * Replaces the modem with its SIM: the simulator reports {@code newIdentity} and boots like a new
     * modem. When {@code registerAtFactory} the server's registry learns it first, as it would from the
     * factory's import.
     */
    public synchronized void replaceModem(Identity newIdentity, boolean registerAtFactory) {
        Objects.requireNonNull(newIdentity, "newIdentity");
        if (registerAtFactory) {
            server.registerAtFactory(newIdentity);
        }
        Logger.info("{}: modem replaced: IMSI {} -> {}", name, modemIdentity.imsi(), newIdentity.imsi());
        modemIdentity = newIdentity;
        modem.setIdentity(newIdentity);
        modem.reset();
    }

    // ------------------------------------------------------------------ control: terminal

    /** Starts the in-JVM terminal daemon on the current state directory (a daemon (re)start). */
    public synchronized void startTerminal() {
        if (terminal != null) {
            throw new IllegalStateException(name + ": the terminal is already running");
        }
        terminal = BenchTerminal.start(name, terminalProperties(),
                spec.modem == ModemTransport.IN_JVM ? modemPair.a() : null, spec.seed, log);
    }

    /** Stops the in-JVM terminal (state directory kept): a daemon stop or a power loss of the head unit. */
    public synchronized void stopTerminal() {
        if (terminal != null) {
            terminal.close();
            terminal = null;
            if (spec.modem == ModemTransport.IN_JVM) {
                restartInMemoryModem(); // closing the terminal's end closed the in-memory pair
            }
        }
    }

    /**
     * Replaces the whole terminal (a new TBOX with its own modem and certificate): the old one is stopped, the new
     * one starts with an empty state directory, a new terminal id and {@code newModem} (registered at the factory
     * first).
     */
    public synchronized void replaceTerminal(Identity newModem) {
        stopTerminal();
        server.registerAtFactory(newModem);
        modemIdentity = newModem;
        modem.setIdentity(newModem);
        String old = terminalId;
        terminalId = spec.ids.terminalId();
        terminalDir = workDir.resolve("terminal-" + (++terminalGeneration));
        Logger.info("{}: terminal {} replaced by {}: new state directory {}, IMSI {}", name, old, terminalId,
                terminalDir, newModem.imsi());
        startTerminal();
    }

    // ------------------------------------------------------------------ wiring

    private EcuSimulatorConfig ecuConfig(String forVin) {
        EcuSimulatorConfig c = EcuSimulatorConfig.of(forVin).withAddressing(UdsAddressing.SMART_KEY_DEFAULT)
                .withPower(power, POWER_PERIOD, PowerModeLayout.defaults()).withFault(spec.ecuFault);
        return spec.ecuCustomizer.apply(c);
    }

    private void startCan() throws IOException {
        switch (spec.can) {
            case SLCAN_PTY -> canPty = SocatPtyPair.start(workDir.resolve("tty/can-ecu"), workDir.resolve("tty/can-tbox"));
            case IN_JVM -> virtualBus = VirtualCanBus.named(name + "-can-" + System.identityHashCode(this));
            case SOCKETCAN_VCAN -> {
                // the kernel's interface, nothing to create
            }
        }
        try {
            ecu = EcuSimulator.start(openEcuChannel(), ecuConfig(vin));
        } catch (CanException e) {
            throw new IOException("ECU simulator on " + spec.can + ": " + e.getMessage(), e);
        }
    }

    private CanChannel openEcuChannel() throws CanException {
        return switch (spec.can) {
            case SLCAN_PTY -> CanChannels.open("slcan:" + canPty.a() + "@" + CAN_BITRATE);
            case SOCKETCAN_VCAN -> CanChannels.open("socketcan:" + CanTransport.VCAN_INTERFACE);
            case IN_JVM -> virtualBus.connect("smart-key-ecu");
        };
    }

    private void startModem() throws IOException {
        SimulatorConfig config = spec.modemCustomizer.apply(SimulatorConfig.DEFAULT.withIdentity(modemIdentity));
        if (spec.modem == ModemTransport.PTY) {
            modemPty = SocatPtyPair.start(workDir.resolve("tty/modem-sim"), workDir.resolve("tty/modem-tbox"));
            modemSimLink = JSerialCommLink.open(SerialConfig.of(modemPty.a().toString()));
        } else {
            modemPair = InMemoryLinkPair.create(name + "-modem");
            modemSimLink = modemPair.b();
        }
        modem = ModemSimulator.start(modemSimLink, config);
    }

    private void restartInMemoryModem() {
        ModemSimulator.Status s = modem.status();
        modem.close();
        modemPair.close();
        modemPair = InMemoryLinkPair.create(name + "-modem");
        modemSimLink = modemPair.b();
        SimulatorConfig config = spec.modemCustomizer.apply(SimulatorConfig.DEFAULT.withIdentity(s.identity()))
                .withSimCard(s.simCard()).withFaults(s.faults());
        modem = ModemSimulator.start(modemSimLink, config);
    }

    // ------------------------------------------------------------------ closing

    private void stopTerminalQuietly() {
        try {
            if (terminal != null) {
                terminal.close();
                terminal = null;
            }
        } catch (RuntimeException e) {
            Logger.warn(e, "{}: stopping the terminal failed", name);
        }
    }

    private void closeSimulators() {
        closeQuietly(ecu);
        closeQuietly(canPty);
        closeQuietly(modem);
        closeQuietly(modemSimLink);
        closeQuietly(modemPair);
        closeQuietly(modemPty);
        ecu = null;
        modem = null;
    }

    /** Stops the terminal, the simulators, socat, the network link, the server if this bench owns it; deletes its temp dir. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopTerminalQuietly();
        closeSimulators();
        closeQuietly(link);
        if (ownServer) {
            closeQuietly(server);
        }
        if (ownWorkDir) {
            deleteTree(workDir);
        }
        Logger.info("{} closed", name);
    }

    private void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            Logger.warn(e, "{}: closing {} failed", name, c.getClass().getSimpleName());
        }
    }

    /** Deletes a directory tree, best effort: what cannot be deleted is logged, not thrown (clean-up paths). */
    public static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    Logger.warn("could not delete {}: {}", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            Logger.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }

    // ------------------------------------------------------------------ builder

    /** What to put on the bench. Every setting has a default; {@link #build()} starts it. */
    public static final class Builder {
        private String name;
        private long seed = 1;
        private Identities ids;
        private String vin;
        private Identity modemIdentity;
        private String terminalId;
        private boolean registerModem = true;
        private CanTransport can = CanTransport.SLCAN_PTY;
        private ModemTransport modem = ModemTransport.PTY;
        private BenchServer server;
        private ServerBackend backend = ServerBackend.EMBEDDED;
        private TerminalTimings timings = TerminalTimings.fast();
        private EcuFault ecuFault = new EcuFault.None();
        private UnaryOperator<EcuSimulatorConfig> ecuCustomizer = UnaryOperator.identity();
        private UnaryOperator<SimulatorConfig> modemCustomizer = UnaryOperator.identity();
        private Path workDir;
        private boolean startTerminal = true;
        private java.util.List<io.vinbind.server.provisioning.OperatorPlatform.Spec> platforms = java.util.List.of();
        private io.vinbind.server.presence.PresenceSettings presence = io.vinbind.server.presence.PresenceSettings.DEFAULT;

        private Builder() {
        }

        /** Name in logs and temp directory names. */
        public Builder name(String n) {
            this.name = Objects.requireNonNull(n, "name");
            return this;
        }

        /** Seed of generated identities and of the terminal's backoff jitter. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Generated identities come from here (default: a generator seeded with {@link #seed}). */
        public Builder identities(Identities generator) {
            this.ids = Objects.requireNonNull(generator, "generator");
            return this;
        }

        /** The VIN the smart-key ECU holds (default: a fresh valid one). */
        public Builder vin(String v) {
            this.vin = Objects.requireNonNull(v, "vin");
            return this;
        }

        /** The modem's identity (default: a fresh one). */
        public Builder modemIdentity(Identity id) {
            this.modemIdentity = Objects.requireNonNull(id, "id");
            return this;
        }

        /** The terminal's id (default: a fresh one, {@code TBOX-} and 10 digits). */
        public Builder terminalId(String id) {
            this.terminalId = Objects.requireNonNull(id, "id");
            return this;
        }

        /** Whether the factory registered the modem with the server (default yes; no = unknown IMSI). */
        public Builder registerModem(boolean register) {
            this.registerModem = register;
            return this;
        }

        public Builder can(CanTransport t) {
            this.can = Objects.requireNonNull(t, "can transport");
            return this;
        }

        public Builder modem(ModemTransport t) {
            this.modem = Objects.requireNonNull(t, "modem transport");
            return this;
        }

        /** Uses a server someone else owns (shared by several benches or scenarios). */
        public Builder server(BenchServer shared) {
            this.server = Objects.requireNonNull(shared, "server");
            return this;
        }

        /** Starts a server of its own on this backend (ignored when {@link #server} is given). */
        public Builder backend(ServerBackend b) {
            this.backend = Objects.requireNonNull(b, "backend");
            return this;
        }

        public Builder timings(TerminalTimings t) {
            this.timings = Objects.requireNonNull(t, "timings");
            return this;
        }

        /** The ECU's misbehaviour from the start (default none). */
        public Builder ecuFault(EcuFault f) {
            this.ecuFault = Objects.requireNonNull(f, "fault");
            return this;
        }

        /** Adjusts the ECU simulator's configuration (padding, flow control, addressing...). */
        public Builder ecu(UnaryOperator<EcuSimulatorConfig> customizer) {
            this.ecuCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /** Adjusts the modem simulator's configuration (SIM state, network outcome, persona, faults...). */
        public Builder modemSim(UnaryOperator<SimulatorConfig> customizer) {
            this.modemCustomizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Operator platforms (SM-DP+ simulators) the bench's own server provisions from (default none; ignored when
         * {@link #server} is given). They must be up before {@link #build()}: the server reads them at start.
         */
        public Builder platforms(java.util.List<io.vinbind.server.provisioning.OperatorPlatform.Spec> specs) {
            this.platforms = java.util.List.copyOf(specs);
            return this;
        }

        /** The presence settings of the bench's own server (default: the server's; ignored with a given server). */
        public Builder presence(io.vinbind.server.presence.PresenceSettings settings) {
            this.presence = java.util.Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** Where the bench keeps its files (default: a temp directory deleted on close). */
        public Builder workDir(Path dir) {
            this.workDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Whether to start the in-JVM terminal (default yes; no when a daemon process is run instead). */
        public Builder startTerminal(boolean start) {
            this.startTerminal = start;
            return this;
        }

        /**
         * Starts everything: server (unless shared), network link, ECU simulator, modem simulator, terminal.
         * The ignition is OFF.
         *
         * @throws BenchException when a part does not start (transports unavailable, server failure)
         */
        public Bench build() {
            String reason = can.unavailableReason();
            if (reason == null) {
                reason = modem.unavailableReason();
            }
            if (reason != null) {
                throw new BenchException("transport unavailable: " + reason);
            }
            if (ids == null) {
                ids = new Identities(seed);
            }
            if (vin == null) {
                vin = ids.vin();
            }
            if (modemIdentity == null) {
                modemIdentity = ids.modem();
            }
            if (terminalId == null) {
                terminalId = ids.terminalId();
            }
            return new Bench(this);
        }
    }
}
