package io.vinbind.modem.cli;

import io.vinbind.log.NonBlockingStderr;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.link.SocatPtyPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.Persona;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.modem.sim.SimulatorConfig;
import io.vinbind.modem.sim.SimulatorControl;
import io.vinbind.modem.sim.UiccCard;
import io.vinbind.modem.sim.UiccFaults;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./vinbind sim modem --pty <path> …}: the modem simulator as a bench process. */
@Command(name = "sim modem", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs a programmable AT modem (Quectel / SIMCom / generic 3GPP TS 27.007) on a",
            "serial device until stopped (SIGTERM / Ctrl-C). Point --pty at one end of a",
            "pty pair and the terminal at the other, e.g. a pair made by",
            "  socat -d -d pty,raw,echo=0,link=/tmp/modem pty,raw,echo=0,link=/tmp/terminal",
            "or give --peer and the simulator runs socat itself.",
            "",
            "While it runs, stdin takes control lines, one reply line each on stdout",
            "(ok | error: <reason> | JSON for status):",
            "  identity <imsi> <iccid> <imei>    imsi <x>   iccid <x>   imei <x>",
            "  sim ready|pin|absent              network home|roaming|denied|none [search-ms]",
            "  reset   drop-data   mute on|off   echo on|off",
            "  urc-rate <0..1>   garbage-rate <0..1>   delay <ms>   status",
            "",
            "The card behind AT+CCHO/CGLA/CCHC/CSIM is a plain USIM with --imsi/--iccid;",
            "./vinbind sim modem --euicc DIR puts an eUICC simulator in instead (hil-tests).",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "2:bad command line", "3:the serial device could not be opened"})
public final class ModemSimCli implements Callable<Integer> {

    @Option(names = "--pty", required = true, paramLabel = "<link path>",
            description = "the serial device to serve (a pty symlink or a real UART)")
    Path pty;

    @Option(names = "--peer", paramLabel = "<link path>",
            description = "start socat to create --pty and this peer end for the terminal; stopped on exit")
    Path peer;

    @Option(names = "--baud", defaultValue = "115200", description = "baud rate (default ${DEFAULT-VALUE})")
    int baud;

    @Option(names = "--persona", defaultValue = "QUECTEL", description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    Persona persona;

    @Option(names = "--imsi", description = "IMSI (default ${DEFAULT-VALUE})", defaultValue = "460001234567890")
    String imsi;

    @Option(names = "--iccid", description = "ICCID (default ${DEFAULT-VALUE})", defaultValue = "89860012345678901234")
    String iccid;

    @Option(names = "--imei", description = "IMEI, Luhn-checked (default ${DEFAULT-VALUE})", defaultValue = "867698041234561")
    String imei;

    @Option(names = "--sim", defaultValue = "ready", description = "SIM at start: ready, pin, absent (default ${DEFAULT-VALUE})")
    String sim;

    @Option(names = "--pin", defaultValue = "1234", description = "PIN that unlocks --sim pin (default ${DEFAULT-VALUE})")
    String pin;

    @Option(names = "--network", defaultValue = "home", description = "search ends: home, roaming, denied, none (default ${DEFAULT-VALUE})")
    String network;

    @Option(names = "--search-time", defaultValue = "2s", paramLabel = "<duration>",
            description = "network search time (default ${DEFAULT-VALUE})")
    Duration searchTime;

    @Option(names = "--operator", defaultValue = "CHINA MOBILE", description = "operator name (default ${DEFAULT-VALUE})")
    String operator;

    @Option(names = "--rssi", defaultValue = "20", description = "+CSQ rssi 0..31, 99 unknown (default ${DEFAULT-VALUE})")
    int rssi;

    @Option(names = "--echo", description = "fault: echo stays on even after ATE0")
    boolean echo;

    @Option(names = "--urc-rate", defaultValue = "0", description = "fault: chance 0..1 of a URC around each answer line")
    double urcRate;

    @Option(names = "--garbage-rate", defaultValue = "0", description = "fault: chance 0..1 of line noise before an answer")
    double garbageRate;

    @Option(names = "--delay", defaultValue = "0ms", paramLabel = "<duration>", description = "fault: delay before every answer")
    Duration delay;

    @Option(names = "--mute", description = "fault: answer nothing at all")
    boolean mute;

    @Option(names = "--cme", paramLabel = "<AT+CMD=n>",
            description = "fault: answer commands starting with AT+CMD (no '=' in it) with +CME ERROR: n; repeatable")
    Map<String, Integer> cme = new LinkedHashMap<>();

    @Option(names = "--reset-after", defaultValue = "0", paramLabel = "<n>",
            description = "fault: reset (RDY) in the middle of the n-th command's answer; 0 never")
    int resetAfter;

    @Option(names = "--seed", defaultValue = "1", description = "random seed for the faults")
    long seed;

    @Option(names = "--no-logical-channels",
            description = "fault: AT+CCHO/CGLA/CCHC answer ERROR (a modem with AT+CSIM only)")
    boolean noLogicalChannels;

    @Option(names = "--silent-test-commands", description = "fault: no answer at all to =? test commands")
    boolean silentTestCommands;

    @Option(names = "--bare-ccho", description = "quirk: AT+CCHO answers the bare session id, without +CCHO:")
    boolean bareCcho;

    @Option(names = "--refuse-aid", paramLabel = "<AID hex>",
            description = "fault: the card has no such application (AT+CCHO: +CME ERROR: 13, SELECT: 6A82); repeatable")
    List<String> refusedAids = new java.util.ArrayList<>();

    @Option(names = "--apdu-error-at", defaultValue = "0", paramLabel = "<n>",
            description = "fault: the n-th APDU (AT+CGLA/AT+CSIM) reaches the card but is answered ERROR; 0 never")
    int apduErrorAt;

    @Option(names = "--apdu-delay", defaultValue = "0ms", paramLabel = "<duration>",
            description = "fault: delay before every AT+CGLA/AT+CSIM answer")
    Duration apduDelay;

    private final Optional<UiccCard> card;

    /** With the simulator's plain USIM. */
    public ModemSimCli() {
        this(Optional.empty());
    }

    /** With a card from outside (the eUICC wiring in hil-tests uses this). */
    public ModemSimCli(Optional<UiccCard> card) {
        this.card = card;
    }

    /** The command line with this module's converters, for running an instance. */
    public static CommandLine commandLine(ModemSimCli cli) {
        return new CommandLine(cli)
                .registerConverter(Duration.class, new DurationConverter())
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        NonBlockingStderr.install(); // a stderr nobody reads must not stall the tool
        System.exit(commandLine(new ModemSimCli()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        SimulatorConfig config;
        try {
            Map<String, Integer> cmeUpper = new LinkedHashMap<>();
            cme.forEach((k, v) -> cmeUpper.put(k.toUpperCase(Locale.ROOT), v));
            UiccFaults uicc = new UiccFaults(noLogicalChannels, silentTestCommands, bareCcho,
                    new LinkedHashSet<>(refusedAids), apduErrorAt, apduDelay);
            Faults faults = new Faults(echo, urcRate, delay, mute, garbageRate, cmeUpper, resetAfter, seed, uicc);
            config = new SimulatorConfig(persona, Identity.of(imsi, iccid, imei), simCard(sim), pin, searchTime,
                    SimulatorControl.networkOutcome(network), operator, rssi, faults, card);
        } catch (IllegalArgumentException e) {
            err.println("sim modem: " + e.getMessage());
            return 2;
        }
        JSerialCommLink first;
        try {
            if (peer != null) {
                if (!SocatPtyPair.socatAvailable()) {
                    err.println("sim modem: --peer needs socat on the PATH");
                    return 3;
                }
                socat = SocatPtyPair.start(pty, peer);
            }
            first = JSerialCommLink.open(SerialConfig.of(pty.toString()).withBaudRate(baud));
        } catch (IOException e) {
            stopSocat();
            err.println("sim modem: cannot open " + pty + ": " + e.getMessage());
            return 3;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        currentLink.set(first);
        current.set(ModemSimulator.start(first, config)); // before stdin is read: control lines need it
        Thread server = new Thread(() -> serve(first, config), "sim-modem-serve");
        server.setDaemon(true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            ModemSimulator sim = current.get();
            if (sim != null) {
                sim.close();
            }
            JSerialCommLink l = currentLink.get();
            if (l != null) {
                l.close();
            }
            stopSocat();
            stopped.countDown();
        }, "sim-modem-shutdown"));
        server.start();
        Logger.info("sim modem: serving {}{}; control lines on stdin", pty, peer == null ? "" : " (terminal end " + peer + ")");
        readControlLines(out);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private volatile boolean stopping;
    private volatile SocatPtyPair socat;
    private final AtomicReference<ModemSimulator> current = new AtomicReference<>();
    private final AtomicReference<JSerialCommLink> currentLink = new AtomicReference<>();

    /**
     * Serves the device; when it vanishes (socat restarted, USB re-enumerated) waits for it to return and
     * serves it again as a freshly powered-on modem (RDY first), keeping identity, SIM and faults.
     */
    private void serve(JSerialCommLink firstLink, SimulatorConfig initial) {
        JSerialCommLink link = firstLink;
        SimulatorConfig config = initial;
        ModemSimulator sim = current.get();
        while (!stopping) {
            IOException why;
            try {
                why = sim.linkEnded().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                why = new IOException(e.getCause());
            }
            if (stopping) {
                return;
            }
            ModemSimulator.Status st = sim.status();
            config = config.withIdentity(st.identity()).withSimCard(st.simCard()).withFaults(st.faults());
            sim.close();
            link.close();
            Logger.warn("sim modem: {} ended ({}); serving it again when it returns", pty, why.getMessage());
            link = reopen();
            if (link == null) {
                return;
            }
            currentLink.set(link);
            sim = ModemSimulator.startPoweringOn(link, config);
            current.set(sim);
        }
    }

    /** Polls for the device (restarting our own socat if it died) until it opens or we are stopping. */
    private JSerialCommLink reopen() {
        while (!stopping) {
            try {
                Thread.sleep(200);
                SocatPtyPair s = socat;
                if (s != null && !s.isAlive()) {
                    socat = SocatPtyPair.start(pty, peer);
                }
                return JSerialCommLink.open(SerialConfig.of(pty.toString()).withBaudRate(baud));
            } catch (IOException e) {
                Logger.debug("sim modem: {} not back yet: {}", pty, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return null;
    }

    private void readControlLines(PrintWriter out) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                ModemSimulator sim = current.get();
                out.println(sim == null ? "error: simulator not running" : new SimulatorControl(sim).apply(line));
                out.flush();
            }
            Logger.debug("sim modem: stdin closed; running until stopped");
        } catch (IOException e) {
            Logger.warn("sim modem: stdin failed ({}); running until stopped", e.getMessage());
        }
    }

    private void stopSocat() {
        SocatPtyPair s = socat;
        if (s != null) {
            s.close();
        }
    }

    private static SimCard simCard(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "ready" -> SimCard.READY;
            case "pin" -> SimCard.PIN_LOCKED;
            case "absent" -> SimCard.ABSENT;
            default -> throw new IllegalArgumentException("--sim must be ready, pin or absent: " + s);
        };
    }
}
