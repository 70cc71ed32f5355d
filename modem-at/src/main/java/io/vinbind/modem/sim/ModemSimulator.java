package io.vinbind.modem.sim;

import io.vinbind.modem.Iccid;
import io.vinbind.modem.RegistrationDomain;
import io.vinbind.modem.RegistrationState;
import io.vinbind.modem.link.LinkPump;
import io.vinbind.modem.link.SerialLink;
import io.vinbind.modem.uicc.Cla;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * A programmable AT modem serving a {@link SerialLink}: the in-memory end of an
 * {@link io.vinbind.modem.link.InMemoryLinkPair}, or a pty (one end of a socat pair) through
 * {@link io.vinbind.modem.link.JSerialCommLink}, so the terminal's real serial path is exercised.
 *
 * <p>It answers the 3GPP TS 27.007 subset the terminal uses plus the {@link Persona}'s vendor commands,
 * in V.250 verbose format ({@code <CR><LF>line<CR><LF>}), keeps the state a modem keeps (echo, CMEE,
 * URC enables, SIM, registration, PDP context) and emits the URCs a modem emits. Its state can be changed
 * while it runs ({@link #setIdentity}, {@link #setSimCard}, {@link #setNetwork}, {@link #reset},
 * {@link #dropDataContext}, {@link #setFaults}) and it injects the {@link Faults} configured.
 *
 * <p>The card behind {@code AT+CCHO}/{@code AT+CGLA}/{@code AT+CCHC}/{@code AT+CSIM} and the identity commands is
 * a {@link UiccCard}: the simulator's plain USIM unless {@link SimulatorConfig#card()} supplies another (an eUICC),
 * answered in the formats real modems use ({@code +CCHO: <n>} or bare, {@code +CGLA: <len>,"<hex>"},
 * {@code +CSIM: <len>,"<hex>"}, {@code +CME ERROR}s) with the {@link UiccFaults} configured.
 * {@code AT+CFUN=0}/{@code 1} powers the card down and up again (as does a reset), which is an eUICC's REFRESH.
 *
 * <p>All state lives on one scheduler thread; the public methods hand work to it and wait (bounded) for it.
 */
public final class ModemSimulator implements AutoCloseable {

    private static final int MAX_COMMAND = 1024;
    private static final Duration CONTROL_BOUND = Duration.ofSeconds(5);
    private static final Duration BOOT_TIME = Duration.ofMillis(50);
    private static final int MAX_LOG = 1000;
    private static final Pattern CPIN_SET = Pattern.compile("AT\\+CPIN=\"?([0-9]{4,8})\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern REG_SET = Pattern.compile("AT\\+(CREG|CGREG|CEREG)=([0-9])", Pattern.CASE_INSENSITIVE);
    private static final Pattern REG_READ = Pattern.compile("AT\\+(CREG|CGREG|CEREG)\\?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CGDCONT = Pattern.compile("AT\\+CGDCONT=([0-9]+),\"([A-Z0-9]+)\",\"([^\"]*)\".*", Pattern.CASE_INSENSITIVE);
    private static final Pattern QICSGP = Pattern.compile("AT\\+QICSGP=([0-9]+),([123]),\"([^\"]*)\".*", Pattern.CASE_INSENSITIVE);
    private static final Pattern CGACT = Pattern.compile("AT\\+CGACT=([01]),([0-9]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern QIACT = Pattern.compile("AT\\+QI(DE)?ACT=([0-9]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern CFUN_SET = Pattern.compile("AT\\+CFUN=([014])(,0)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CCHO = Pattern.compile("AT\\+CCHO=\"?([0-9A-F]*)\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CGLA = Pattern.compile("AT\\+CGLA=([0-9]{1,9}),([0-9]{1,6}),\"?([0-9A-F]*)\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern CCHC = Pattern.compile("AT\\+CCHC=([0-9]{1,9})", Pattern.CASE_INSENSITIVE);
    private static final Pattern CSIM = Pattern.compile("AT\\+CSIM=([0-9]{1,6}),\"?([0-9A-F]*)\"?", Pattern.CASE_INSENSITIVE);
    /** How long the card takes to come up after {@code AT+CFUN=1} (answers {@code +CME ERROR: 14} meanwhile). */
    private static final Duration SIM_BOOT = Duration.ofMillis(300);
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private final SerialLink link;
    private final ScheduledExecutorService exec;
    private final LinkPump pump;
    private final ByteArrayOutputStream inbound = new ByteArrayOutputStream(); // pump thread only
    private final Deque<String> received = new ConcurrentLinkedDeque<>();
    private final CompletableFuture<IOException> linkEnded = new CompletableFuture<>();

    // ---- state, confined to the scheduler thread
    private SimulatorConfig config;
    private Faults faults;
    private Random random;
    private Identity identity;
    private SimCard simCard;
    private boolean echo = true; // V.250 default E1
    private int cmee;
    private final Map<RegistrationDomain, Integer> urcMode = new EnumMap<>(RegistrationDomain.class);
    private RegistrationState registration = RegistrationState.NOT_SEARCHING;
    private ScheduledFuture<?> search;
    private int contextId = 1;
    private String apn = "";
    private boolean dataActive;
    private int commandCount;
    private final UiccCard card;
    /** 27.007 §8.2 functionality: 1 full, 4 radio off, 0 minimum (SIM powered down). */
    private int cfun = 1;
    /** The card is powering up after AT+CFUN=1 and not ready yet. */
    private boolean simBooting;
    /** Sessions (= logical channels) opened by AT+CCHO and not closed. */
    private final Set<Integer> sessions = new TreeSet<>();
    /** APDUs carried (AT+CGLA, AT+CSIM) since the faults were set. */
    private int apduCount;
    private volatile boolean closed;

    private ModemSimulator(SerialLink link, SimulatorConfig config) {
        this.link = link;
        this.config = config;
        this.faults = config.faults();
        this.random = new Random(faults.seed());
        this.identity = config.identity();
        this.simCard = config.simCard();
        this.card = config.card().orElseGet(() -> new PlainUsim(() -> identity));
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "modem-sim-" + link.name());
            t.setDaemon(true);
            return t;
        });
        this.pump = LinkPump.start(link, "modem-sim-rx-" + link.name(), new LinkPump.Listener() {
            @Override
            public void onBytes(byte[] data) {
                receive(data);
            }

            @Override
            public void onClosed(IOException cause, boolean byUs) {
                if (!byUs && !closed) {
                    Logger.info("modem simulator on {}: link ended ({})", link.name(), cause.getMessage());
                }
                linkEnded.complete(cause);
            }
        });
    }

    /** Starts a simulator answering on {@code link} (it does not print {@code RDY}: the modem was already on). */
    public static ModemSimulator start(SerialLink link, SimulatorConfig config) {
        ModemSimulator sim = new ModemSimulator(Objects.requireNonNull(link, "link"), Objects.requireNonNull(config, "config"));
        sim.onSim(() -> {
            sim.powerOnState();
            return null;
        });
        Logger.info("modem simulator on {}: {} with {}, IMEI {}, SIM {}, network {} after {} ms",
                link.name(), config.persona(), config.card().map(UiccCard::description)
                        .orElse("plain USIM (IMSI " + config.identity().imsi() + " ICCID " + config.identity().iccid() + ")"),
                config.identity().imei(), config.simCard(), config.network(), config.searchTime().toMillis());
        return sim;
    }

    /**
     * Starts a simulator that has just powered on: it prints {@code RDY} and the boot URCs first, as a modem
     * does after a reset or when its USB device re-appears.
     */
    public static ModemSimulator startPoweringOn(SerialLink link, SimulatorConfig config) {
        ModemSimulator sim = start(link, config);
        sim.reset();
        return sim;
    }

    /** Completes (with the reason) when the link ends — closed, or the device vanished. */
    public CompletableFuture<IOException> linkEnded() {
        return linkEnded.copy();
    }

    // ------------------------------------------------------------------ runtime control (any thread)

    /** Replaces IMSI, ICCID and IMEI (a swapped SIM or modem); takes effect for the next command. */
    public void setIdentity(Identity newIdentity) {
        Objects.requireNonNull(newIdentity, "newIdentity");
        onSim(() -> {
            identity = newIdentity;
            Logger.info("modem simulator: identity now IMSI {} ICCID {} IMEI {}", newIdentity.imsi(), newIdentity.iccid(), newIdentity.imei());
            return null;
        });
    }

    /** Inserts, removes or locks the SIM; reports {@code +CPIN:} as a URC and restarts the network search. */
    public void setSimCard(SimCard card) {
        Objects.requireNonNull(card, "card");
        onSim(() -> {
            simCard = card;
            urc("+CPIN: " + cpinCode());
            restartSearch();
            return null;
        });
    }

    /** Changes where the network search ends and restarts it (the modem reselects). */
    public void setNetwork(NetworkOutcome outcome, Duration searchTime) {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(searchTime, "searchTime");
        onSim(() -> {
            config = config.withNetwork(outcome, searchTime);
            restartSearch();
            return null;
        });
    }

    /** Changes the signal {@code AT+CSQ} reports while registered (rssi 0..31, 99 unknown), as a car driving on would. */
    public void setRssi(int rssi) {
        SimulatorConfig next = config.withRssi(rssi); // checks the range before the change is handed in
        onSim(() -> {
            config = config.withRssi(next.rssi());
            return null;
        });
    }

    /** Replaces the injected faults (and reseeds the random source). */
    public void setFaults(Faults f) {
        Objects.requireNonNull(f, "f");
        onSim(() -> {
            faults = f;
            random = new Random(f.seed());
            apduCount = 0;
            return null;
        });
    }

    /**
     * Resets the modem as a watchdog or {@code AT+CFUN=1,1} would: prints {@code RDY} and the boot URCs,
     * forgets echo/CMEE/URC settings and the data context, and searches the network again.
     */
    public void reset() {
        onSim(() -> {
            doReset("reset requested");
            return null;
        });
    }

    /** Drops the data context as the network would ({@code +QIURC: "pdpdeact"} or {@code +CGEV: NW PDN DEACT}). */
    public void dropDataContext() {
        onSim(() -> {
            dropContext("network dropped it");
            return null;
        });
    }

    /** A snapshot of the simulated state, for tests and the bench's {@code status} command. */
    public Status status() {
        return onSim(() -> new Status(config.persona(), identity, simCard, registration, dataActive, apn, echo, faults,
                card.description(), card.imsi(), card.iccid(), cfun, List.copyOf(sessions)));
    }

    /**
     * What {@link #status()} returns.
     *
     * @param identity the configured identity (with a card from outside only its IMEI is reported)
     * @param card     the card's description
     * @param imsi     what {@code AT+CIMI} reports now (the card's)
     * @param iccid    what the ICCID commands report now (the card's)
     * @param cfun     the {@code AT+CFUN} level
     * @param sessions logical channels open through {@code AT+CCHO}
     */
    public record Status(Persona persona, Identity identity, SimCard simCard, RegistrationState registration,
                         boolean dataActive, String apn, boolean echo, Faults faults, String card,
                         Optional<String> imsi, Optional<String> iccid, int cfun, List<Integer> sessions) {
    }

    /** The command lines received so far (last {@value #MAX_LOG}), oldest first. */
    public List<String> receivedCommands() {
        return List.copyOf(received);
    }

    /** Stops answering; the link is left open (its owner closes it). */
    @Override
    public void close() {
        closed = true;
        pump.close();
        exec.shutdownNow();
        try {
            exec.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private <T> T onSim(Callable<T> task) {
        if (closed) {
            throw new IllegalStateException("modem simulator is closed");
        }
        try {
            return exec.submit(task).get(CONTROL_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while controlling the simulator", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("simulator control failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("simulator did not take the control within " + CONTROL_BOUND, e);
        }
    }

    // ------------------------------------------------------------------ receiving (pump thread)

    private void receive(byte[] data) {
        for (byte b : data) {
            if (b == '\r') {
                String line = inbound.toString(StandardCharsets.US_ASCII).strip();
                inbound.reset();
                if (!line.isEmpty()) {
                    submit(() -> command(line));
                }
            } else if (b == '\n') {
                continue; // V.250: LF after the S3 terminator is ignored
            } else if (inbound.size() >= MAX_COMMAND) {
                Logger.warn("modem simulator: command line over {} bytes discarded", MAX_COMMAND);
                inbound.reset();
                submit(() -> write(List.of(), "ERROR"));
            } else {
                inbound.write(b);
            }
        }
    }

    private void submit(Runnable r) {
        if (closed) {
            return;
        }
        try {
            exec.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    Logger.error(e, "modem simulator task failed");
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            Logger.debug("modem simulator closing; input dropped");
        }
    }

    // ------------------------------------------------------------------ the modem (scheduler thread)

    private void powerOnState() {
        echo = true;
        cmee = 0;
        for (RegistrationDomain d : RegistrationDomain.values()) {
            urcMode.put(d, 0);
        }
        dataActive = false;
        registration = RegistrationState.NOT_SEARCHING;
        restartSearch();
    }

    private void doReset(String why) {
        Logger.info("modem simulator: reset ({})", why);
        if (search != null) {
            search.cancel(false);
        }
        dataActive = false;
        writeRaw("\r\nRDY\r\n");
        cfun = 1;
        simBooting = false;
        sessions.clear();
        card.powerUp();
        powerOnState();
        exec.schedule(() -> {
            urc("+CFUN: 1");
            urc("+CPIN: " + cpinCode());
            if (config.persona() == Persona.QUECTEL) {
                urc("+QUSIM: 1");
                urc("+QIND: SMS DONE");
            } else if (config.persona() == Persona.SIMCOM) {
                urc("SMS DONE");
                urc("PB DONE");
            }
        }, BOOT_TIME.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restartSearch() {
        if (search != null) {
            search.cancel(false);
        }
        if (simCard != SimCard.READY || cfun != 1 || simBooting) {
            setRegistration(RegistrationState.NOT_SEARCHING);
            return;
        }
        setRegistration(RegistrationState.SEARCHING);
        search = exec.schedule(() -> setRegistration(config.network().state()),
                config.searchTime().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void setRegistration(RegistrationState s) {
        if (s == registration) {
            return;
        }
        registration = s;
        if (!s.isRegistered() && dataActive) {
            dropContext("registration lost");
        }
        for (RegistrationDomain d : List.of(RegistrationDomain.CS, RegistrationDomain.GPRS, RegistrationDomain.EPS)) {
            int n = urcMode.get(d);
            if (n == 1) {
                urc(d.prefix() + " " + s.stat());
            } else if (n == 2) {
                urc(d.prefix() + " " + s.stat() + location());
            }
        }
    }

    private String location() {
        return registration.isRegistered() ? ",\"1A2B\",\"0C3D4E5F\",7" : "";
    }

    private void dropContext(String why) {
        if (!dataActive) {
            return;
        }
        dataActive = false;
        Logger.info("modem simulator: data context {} dropped ({})", contextId, why);
        urc(config.persona() == Persona.QUECTEL ? "+QIURC: \"pdpdeact\"," + contextId : "+CGEV: NW PDN DEACT " + contextId);
    }

    private String cpinCode() {
        return switch (simCard) {
            case READY -> "READY";
            case PIN_LOCKED -> "SIM PIN";
            case ABSENT -> "NOT INSERTED";
        };
    }

    private void command(String line) {
        received.addLast(line);
        while (received.size() > MAX_LOG) {
            received.pollFirst();
        }
        if (faults.mute()) {
            Logger.debug("modem simulator (mute): ignoring {}", line);
            return;
        }
        if (echo || faults.echo()) {
            writeRaw(line + "\r");
        }
        if (!line.regionMatches(true, 0, "AT", 0, 2)) {
            write(List.of(), "ERROR");
            return;
        }
        commandCount++;
        String upper = line.toUpperCase(Locale.ROOT);
        if (faults.uicc().silentTestCommands() && upper.endsWith("=?")) {
            Logger.debug("modem simulator (fault): no answer to the test command {}", line);
            return;
        }
        for (Map.Entry<String, Integer> e : faults.cmeErrors().entrySet()) {
            if (upper.startsWith(e.getKey().toUpperCase(Locale.ROOT))) {
                // a fault: the CME error comes even if AT+CMEE=0 would have hidden it
                respond(List.of(), cmee == 2 ? cme(e.getValue()).result() : "+CME ERROR: " + e.getValue(), Duration.ZERO);
                return;
            }
        }
        Answer a;
        try {
            a = answer(line, upper);
        } catch (RuntimeException e) {
            Logger.error(e, "modem simulator: failed on {}", line);
            a = new Answer(List.of(), "ERROR");
        }
        if (faults.resetAfterCommands() > 0 && commandCount == faults.resetAfterCommands()) {
            // the reset cuts the answer off after its first information line
            if (!a.lines().isEmpty()) {
                writeRaw("\r\n" + a.lines().get(0) + "\r\n");
            }
            doReset("fault: reset during " + line);
            return;
        }
        respond(a.lines(), a.result(), a.extraDelay());
    }

    private record Answer(List<String> lines, String result, Duration extraDelay) {
        Answer(List<String> lines, String result) {
            this(lines, result, Duration.ZERO);
        }

        static Answer ok(String... lines) {
            return new Answer(List.of(lines), "OK");
        }
    }

    private Answer answer(String line, String upper) {
        Matcher m;
        switch (upper) {
            case "AT":
                return Answer.ok();
            case "ATE0":
                echo = false;
                return Answer.ok();
            case "ATE1", "ATE":
                echo = true;
                return Answer.ok();
            case "ATI":
                return Answer.ok(config.persona().manufacturer(), config.persona().model(), "Revision: " + config.persona().revision());
            case "AT+CGMI", "AT+GMI":
                return Answer.ok(config.persona().manufacturer());
            case "AT+CGMM", "AT+GMM":
                return Answer.ok(config.persona().model());
            case "AT+CGMR", "AT+GMR":
                return Answer.ok("Revision: " + config.persona().revision());
            case "AT+CGSN", "AT+GSN":
                return Answer.ok(identity.imei().value());
            case "AT+CIMI":
                if (!simReady()) {
                    return simError();
                }
                return card.imsi().map(Answer::ok).orElseGet(() -> cme(10));
            case "AT+CPIN?":
                if (simCard == SimCard.ABSENT || cfun == 0 || simBooting) {
                    return simError();
                }
                return Answer.ok("+CPIN: " + cpinCode());
            case "AT+QCCID":
                if (config.persona() != Persona.QUECTEL) {
                    return new Answer(List.of(), "ERROR");
                }
                return iccidAnswer(i -> "+QCCID: " + padded(i));
            case "AT+CICCID":
                if (config.persona() != Persona.SIMCOM) {
                    return new Answer(List.of(), "ERROR");
                }
                return iccidAnswer(i -> "+ICCID: " + i.value());
            case "AT+CCID":
                if (config.persona() != Persona.SIMCOM) {
                    return new Answer(List.of(), "ERROR");
                }
                return iccidAnswer(ModemSimulator::padded);
            case "AT+CRSM=176,12258,0,0,10":
                return iccidAnswer(i -> "+CRSM: 144,0,\"" + efIccid(i) + "\"");
            case "AT+CMEE?":
                return Answer.ok("+CMEE: " + cmee);
            case "AT+COPS?":
                return registration.isRegistered()
                        ? Answer.ok("+COPS: 0,0,\"" + config.operatorName() + "\",7")
                        : Answer.ok("+COPS: 0");
            case "AT+CSQ":
                return Answer.ok("+CSQ: " + (registration.isRegistered() ? config.rssi() : 99) + ",99");
            case "AT+CGACT?":
                return Answer.ok("+CGACT: " + contextId + "," + (dataActive ? 1 : 0));
            case "AT+QIACT?":
                if (config.persona() != Persona.QUECTEL) {
                    return new Answer(List.of(), "ERROR");
                }
                return dataActive ? Answer.ok("+QIACT: " + contextId + ",1,1,\"10.64.12.7\"") : Answer.ok();
            case "AT+CFUN?":
                return Answer.ok("+CFUN: " + cfun);
            case "AT+CFUN=1,1":
                exec.schedule(() -> doReset("AT+CFUN=1,1"), 100, TimeUnit.MILLISECONDS);
                return Answer.ok();
            default:
                break;
        }
        if ((m = CFUN_SET.matcher(line)).matches()) {
            return functionality(Integer.parseInt(m.group(1)));
        }
        if (upper.startsWith("AT+CCHO") || upper.startsWith("AT+CCHC") || upper.startsWith("AT+CGLA")
                || upper.startsWith("AT+CSIM")) {
            return uiccCommand(line, upper);
        }
        if (upper.startsWith("AT+CMEE=")) {
            String v = upper.substring(8);
            if (!v.matches("[012]")) {
                return new Answer(List.of(), "ERROR");
            }
            cmee = Integer.parseInt(v);
            return Answer.ok();
        }
        if ((m = CPIN_SET.matcher(line)).matches()) {
            if (simCard == SimCard.ABSENT) {
                return cme(10);
            }
            if (simCard == SimCard.READY) {
                return cme(3);
            }
            if (!m.group(1).equals(config.pin())) {
                return cme(16);
            }
            simCard = SimCard.READY;
            exec.execute(() -> {
                urc("+CPIN: READY");
                restartSearch();
            });
            return Answer.ok();
        }
        if ((m = REG_SET.matcher(line)).matches()) {
            int n = Integer.parseInt(m.group(2));
            if (n > 2) {
                return new Answer(List.of(), "ERROR");
            }
            urcMode.put(domain(m.group(1)), n);
            return Answer.ok();
        }
        if ((m = REG_READ.matcher(line)).matches()) {
            RegistrationDomain d = domain(m.group(1));
            int n = urcMode.get(d);
            return Answer.ok(d.prefix() + " " + n + "," + registration.stat() + (n == 2 ? location() : ""));
        }
        if ((m = CGDCONT.matcher(line)).matches()) {
            contextId = Integer.parseInt(m.group(1));
            apn = m.group(3);
            return Answer.ok();
        }
        if (upper.startsWith("AT+CGAUTH=")) {
            return Answer.ok();
        }
        if ((m = QICSGP.matcher(line)).matches() && config.persona() == Persona.QUECTEL) {
            contextId = Integer.parseInt(m.group(1));
            apn = m.group(3);
            return Answer.ok();
        }
        if ((m = CGACT.matcher(line)).matches()) {
            return activate(m.group(1).equals("1"), Integer.parseInt(m.group(2)));
        }
        if ((m = QIACT.matcher(line)).matches() && config.persona() == Persona.QUECTEL) {
            return activate(m.group(1) == null, Integer.parseInt(m.group(2)));
        }
        Logger.debug("modem simulator: unsupported command {}", line);
        return new Answer(List.of(), "ERROR");
    }

    private Answer activate(boolean on, int cid) {
        if (cid != contextId) {
            return cme(3);
        }
        if (!on) {
            dataActive = false;
            return Answer.ok();
        }
        if (!registration.isRegistered()) {
            return cme(30);
        }
        dataActive = true;
        Logger.info("modem simulator: data context {} active on APN '{}'", cid, apn);
        return Answer.ok();
    }

    private static RegistrationDomain domain(String name) {
        return switch (name.toUpperCase(Locale.ROOT)) {
            case "CREG" -> RegistrationDomain.CS;
            case "CGREG" -> RegistrationDomain.GPRS;
            default -> RegistrationDomain.EPS;
        };
    }

    private boolean simReady() {
        return simCard == SimCard.READY && cfun != 0 && !simBooting;
    }

    /** The error for an identity read while the SIM is not ready: absent 10, powered down 13, booting 14, locked 11. */
    private Answer simError() {
        if (simCard == SimCard.ABSENT) {
            return cme(10);
        }
        if (cfun == 0) {
            return cme(13);
        }
        return cme(simBooting ? 14 : 11);
    }

    private Answer iccidAnswer(java.util.function.Function<Iccid, String> format) {
        if (!simReady()) {
            return simError();
        }
        return card.iccid().map(i -> Answer.ok(format.apply(Iccid.parse(i)))).orElseGet(() -> cme(10));
    }

    // ------------------------------------------------------------------ functionality and the card

    /** {@code AT+CFUN=<n>}: 0 powers the SIM down (and the radio off), 4 the radio off, 1 everything up again. */
    private Answer functionality(int n) {
        int before = cfun;
        cfun = n;
        if (n == 0) {
            sessions.clear();
            simBooting = false;
            Logger.info("modem simulator: AT+CFUN=0, SIM powered down");
        } else if (n == 1 && before == 0) {
            powerUpCard();
        }
        restartSearch();
        return Answer.ok();
    }

    /** The card powers up (its REFRESH for an eUICC): channels gone, busy for {@link #SIM_BOOT}, then {@code +CPIN:}. */
    private void powerUpCard() {
        sessions.clear();
        card.powerUp();
        simBooting = true;
        Logger.info("modem simulator: SIM powered up ({}); IMSI now {}", card.description(), card.imsi().orElse("none"));
        exec.schedule(() -> {
            simBooting = false;
            if (simCard != SimCard.ABSENT && cfun != 0) {
                urc("+CPIN: " + cpinCode());
            }
            restartSearch();
        }, SIM_BOOT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** AT+CCHO / AT+CGLA / AT+CCHC / AT+CSIM and their test commands (27.007 §8.17, §8.43, §8.45, §8.46). */
    private Answer uiccCommand(String line, String upper) {
        UiccFaults uf = faults.uicc();
        if (uf.noLogicalChannels() && !upper.startsWith("AT+CSIM")) {
            return new Answer(List.of(), "ERROR");
        }
        if (upper.endsWith("=?")) {
            return Answer.ok();
        }
        if (simCard == SimCard.ABSENT || cfun == 0 || simBooting) {
            return simError();
        }
        Matcher m;
        if ((m = CCHO.matcher(line)).matches()) {
            return openChannel(m.group(1).toUpperCase(Locale.ROOT));
        }
        if ((m = CGLA.matcher(line)).matches()) {
            long session = Long.parseLong(m.group(1));
            if (!sessions.contains((int) Math.min(session, Integer.MAX_VALUE))) {
                return cme(21); // invalid index: no such session
            }
            byte[] apdu = apdu(Integer.parseInt(m.group(2)), m.group(3));
            if (apdu == null) {
                return cme(50);
            }
            if (Cla.carriesChannel(apdu[0])) {
                apdu[0] = (byte) Cla.withChannel(apdu[0], (int) session); // the modem sends on the session's channel
            }
            return carry("+CGLA: ", apdu);
        }
        if ((m = CCHC.matcher(line)).matches()) {
            long session = Long.parseLong(m.group(1));
            if (!sessions.remove((int) Math.min(session, Integer.MAX_VALUE))) {
                return cme(21);
            }
            byte[] r = card.transmit(new byte[] {0x00, 0x70, (byte) 0x80, (byte) session, 0x00});
            Logger.debug("modem simulator: session {} closed ({})", session, HEX.formatHex(r));
            return Answer.ok();
        }
        if ((m = CSIM.matcher(line)).matches()) {
            byte[] apdu = apdu(Integer.parseInt(m.group(1)), m.group(2));
            return apdu == null ? cme(50) : carry("+CSIM: ", apdu);
        }
        return cme(50);
    }

    /** The APDU in {@code <length>,"<hex>"}, or null if the length does not count its hex or it is no APDU. */
    private static byte[] apdu(int length, String hex) {
        if (length != hex.length() || hex.length() % 2 != 0 || hex.length() < 8 || hex.length() > 2 * 261) {
            return null;
        }
        return HEX.parseHex(hex);
    }

    /** AT+CCHO: MANAGE CHANNEL and SELECT by AID on the card, as a modem does. */
    private Answer openChannel(String aid) {
        if (aid.length() < 10 || aid.length() > 32 || aid.length() % 2 != 0) {
            return cme(50);
        }
        if (faults.uicc().refusedAids().contains(aid)) {
            Logger.info("modem simulator (fault): the card has no application {}", aid);
            return cme(13);
        }
        byte[] r = transmitToCard(new byte[] {0x00, 0x70, 0x00, 0x00, 0x01});
        if (sw(r) != 0x9000 || r.length != 3) {
            Logger.info("modem simulator: MANAGE CHANNEL for AT+CCHO answered {}", HEX.formatHex(r));
            return cme(100);
        }
        int ch = r[0] & 0xFF;
        byte[] id = HEX.parseHex(aid);
        byte[] select = new byte[5 + id.length];
        select[0] = (byte) Cla.withChannel(0x00, ch);
        select[1] = (byte) 0xA4;
        select[2] = 0x04;
        select[4] = (byte) id.length;
        System.arraycopy(id, 0, select, 5, id.length);
        byte[] s = transmitToCard(select);
        for (int round = 0; (sw(s) >> 8) == 0x61 && round < 64; round++) {
            s = transmitToCard(new byte[] {select[0], (byte) 0xC0, 0x00, 0x00, s[s.length - 1]});
        }
        int sw = sw(s);
        if (sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63) {
            sessions.add(ch);
            return Answer.ok(faults.uicc().bareChannelNumber() ? String.valueOf(ch) : "+CCHO: " + ch);
        }
        transmitToCard(new byte[] {0x00, 0x70, (byte) 0x80, (byte) ch, 0x00});
        Logger.info("modem simulator: SELECT {} answered {}", aid, String.format("%04X", sw));
        return cme(sw == 0x6A82 ? 13 : 100);
    }

    /** One APDU of AT+CGLA / AT+CSIM to the card and its answer line, with the APDU faults. */
    private Answer carry(String prefix, byte[] apdu) {
        apduCount++;
        UiccFaults uf = faults.uicc();
        byte[] r;
        if (prefix.startsWith("+CSIM") && isRefusedSelect(apdu, uf)) {
            r = new byte[] {0x6A, (byte) 0x82};
        } else {
            r = transmitToCard(apdu);
        }
        if (uf.apduErrorAt() > 0 && apduCount == uf.apduErrorAt()) {
            Logger.info("modem simulator (fault): APDU {} answered ERROR after the card took it", apduCount);
            return new Answer(List.of(), "ERROR", uf.apduDelay());
        }
        return new Answer(List.of(prefix + r.length * 2 + ",\"" + HEX.formatHex(r) + "\""), "OK", uf.apduDelay());
    }

    private static boolean isRefusedSelect(byte[] apdu, UiccFaults uf) {
        if (uf.refusedAids().isEmpty() || apdu.length < 10 || (apdu[1] & 0xFF) != 0xA4 || apdu[2] != 0x04) {
            return false;
        }
        int lc = apdu[4] & 0xFF;
        if (apdu.length < 5 + lc) {
            return false;
        }
        return uf.refusedAids().contains(HEX.formatHex(apdu, 5, 5 + lc));
    }

    private byte[] transmitToCard(byte[] apdu) {
        byte[] r = card.transmit(apdu.clone());
        if (r == null || r.length < 2) {
            Logger.warn("modem simulator: {} answered {} to {}; passing on 6F00", card.description(),
                    r == null ? "null" : r.length + " bytes", HEX.formatHex(apdu));
            return new byte[] {0x6F, 0x00};
        }
        return r;
    }

    private static int sw(byte[] r) {
        return ((r[r.length - 2] & 0xFF) << 8) | (r[r.length - 1] & 0xFF);
    }

    /** {@code +CME ERROR} in the format {@code AT+CMEE} selected (0: plain ERROR, 1: number, 2: text). */
    private Answer cme(int code) {
        return new Answer(List.of(), switch (cmee) {
            case 0 -> "ERROR";
            case 1 -> "+CME ERROR: " + code;
            default -> "+CME ERROR: " + io.vinbind.modem.at.CmeErrorCode.fromNumber(code)
                    .map(io.vinbind.modem.at.CmeErrorCode::text).orElse("unknown");
        });
    }

    private static String padded(Iccid iccid) {
        String v = iccid.value();
        return v.length() % 2 == 0 ? v : v + "F";
    }

    /** EF_ICCID as stored on the card: BCD with nibbles swapped, padded with F to 10 bytes. */
    private static String efIccid(Iccid iccid) {
        StringBuilder v = new StringBuilder(iccid.value());
        while (v.length() < 20) {
            v.append('F');
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < v.length(); i += 2) {
            out.append(v.charAt(i + 1)).append(v.charAt(i));
        }
        return out.toString();
    }

    // ------------------------------------------------------------------ writing (scheduler thread)

    private void respond(List<String> lines, String result, Duration extraDelay) {
        long delay = faults.responseDelay().toMillis() + extraDelay.toMillis();
        if (delay > 0) {
            exec.schedule(() -> write(lines, result), delay, TimeUnit.MILLISECONDS);
        } else {
            write(lines, result);
        }
    }

    private void write(List<String> lines, String result) {
        StringBuilder sb = new StringBuilder();
        if (random.nextDouble() < faults.garbageProbability()) {
            sb.append(garbage()).append("\r\n");
        }
        maybeUrc(sb);
        for (String l : lines) {
            sb.append("\r\n").append(l).append("\r\n");
            maybeUrc(sb);
        }
        sb.append("\r\n").append(result).append("\r\n");
        maybeUrc(sb);
        writeRaw(sb.toString());
    }

    private void maybeUrc(StringBuilder sb) {
        if (faults.urcProbability() > 0 && random.nextDouble() < faults.urcProbability()) {
            List<String> pool = new ArrayList<>();
            pool.add("+CEREG: " + registration.stat() + location());
            pool.add("+CGREG: " + registration.stat() + location());
            pool.add("+CTZV: +32,0");
            pool.add(config.persona() == Persona.QUECTEL ? "+QIND: \"csq\"," + config.rssi() + ",99" : "+CMTI: \"SM\",1");
            sb.append("\r\n").append(pool.get(random.nextInt(pool.size()))).append("\r\n");
        }
    }

    /** Line noise: bytes a UART shows on a glitch, never CR/LF and never printable text. */
    private String garbage() {
        int n = 1 + random.nextInt(12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = random.nextBoolean() ? 0x80 + random.nextInt(0x80) : 1 + random.nextInt(8);
            sb.append((char) b);
        }
        return sb.toString();
    }

    private void urc(String line) {
        writeRaw("\r\n" + line + "\r\n");
    }

    private void writeRaw(String s) {
        try {
            link.write(s.getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            if (!closed) {
                Logger.warn("modem simulator: write to {} failed: {}", link.name(), e.getMessage());
            }
        }
    }
}
