package io.vinbind.modem.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vinbind.modem.Iccid;
import io.vinbind.modem.Imei;
import io.vinbind.modem.Imsi;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The line protocol a bench uses to change a running simulator — on the {@code sim modem} process's stdin,
 * one command per line, one reply line each ({@code ok}, {@code error: <reason>}, or JSON for
 * {@code status}):
 *
 * <pre>
 * identity &lt;imsi&gt; &lt;iccid&gt; &lt;imei&gt;   swap all three (a replaced modem + SIM)
 * imsi &lt;imsi&gt; | iccid &lt;iccid&gt; | imei &lt;imei&gt;
 * sim ready|pin|absent                     insert / lock / remove the SIM (+CPIN URC)
 * network home|roaming|denied|none [ms]    where the next search ends, and after how long
 * reset                                    RDY and boot URCs; settings back to power-on defaults
 * drop-data                                the network drops the data context
 * mute on|off                              answer nothing at all
 * echo on|off                              force echo regardless of ATE0
 * urc-rate &lt;0..1&gt; | garbage-rate &lt;0..1&gt; | delay &lt;ms&gt;
 * status                                   the simulated state as JSON
 * </pre>
 */
public final class SimulatorControl {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModemSimulator sim;

    public SimulatorControl(ModemSimulator sim) {
        this.sim = Objects.requireNonNull(sim, "sim");
    }

    /** Applies one control line and returns the reply line. */
    public String apply(String line) {
        String[] w = line.strip().split("\\s+");
        if (w.length == 0 || w[0].isEmpty()) {
            return "error: empty command";
        }
        try {
            String cmd = w[0].toLowerCase(Locale.ROOT);
            Faults f;
            switch (cmd) {
                case "identity" -> {
                    need(w, 4, "identity <imsi> <iccid> <imei>");
                    sim.setIdentity(Identity.of(w[1], w[2], w[3]));
                }
                case "imsi" -> {
                    need(w, 2, "imsi <digits>");
                    Identity id = sim.status().identity();
                    sim.setIdentity(new Identity(Imsi.of(w[1]), id.iccid(), id.imei()));
                }
                case "iccid" -> {
                    need(w, 2, "iccid <iccid>");
                    Identity id = sim.status().identity();
                    sim.setIdentity(new Identity(id.imsi(), Iccid.parse(w[1]), id.imei()));
                }
                case "imei" -> {
                    need(w, 2, "imei <15 digits>");
                    Identity id = sim.status().identity();
                    sim.setIdentity(new Identity(id.imsi(), id.iccid(), new Imei(w[1])));
                }
                case "sim" -> {
                    need(w, 2, "sim ready|pin|absent");
                    sim.setSimCard(switch (w[1].toLowerCase(Locale.ROOT)) {
                        case "ready" -> SimCard.READY;
                        case "pin" -> SimCard.PIN_LOCKED;
                        case "absent" -> SimCard.ABSENT;
                        default -> throw new IllegalArgumentException("sim state must be ready, pin or absent: " + w[1]);
                    });
                }
                case "network" -> {
                    need(w, 2, "network home|roaming|denied|none [search-ms]");
                    NetworkOutcome o = networkOutcome(w[1]);
                    Duration search = w.length > 2 ? Duration.ofMillis(Long.parseLong(w[2])) : Duration.ofMillis(200);
                    sim.setNetwork(o, search);
                }
                case "rssi" -> {
                    need(w, 2, "rssi <0..31|99>");
                    sim.setRssi(Integer.parseInt(w[1]));
                }
                case "reset" -> sim.reset();
                case "drop-data" -> sim.dropDataContext();
                case "mute", "echo" -> {
                    need(w, 2, cmd + " on|off");
                    boolean on = onOff(w[1]);
                    f = sim.status().faults();
                    sim.setFaults(cmd.equals("mute") ? f.withMute(on) : f.withEcho(on));
                }
                case "urc-rate", "garbage-rate" -> {
                    need(w, 2, cmd + " <0..1>");
                    double p = Double.parseDouble(w[1]);
                    f = sim.status().faults();
                    sim.setFaults(cmd.equals("urc-rate") ? f.withUrcProbability(p) : f.withGarbageProbability(p));
                }
                case "delay" -> {
                    need(w, 2, "delay <ms>");
                    sim.setFaults(sim.status().faults().withResponseDelay(Duration.ofMillis(Long.parseLong(w[1]))));
                }
                case "status" -> {
                    return statusJson(sim.status());
                }
                default -> {
                    return "error: unknown command '" + w[0] + "' (identity, imsi, iccid, imei, sim, network, rssi, reset, "
                            + "drop-data, mute, echo, urc-rate, garbage-rate, delay, status)";
                }
            }
            return "ok";
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "error: " + e.getMessage();
        }
    }

    /** Parses {@code home|roaming|denied|none}. */
    public static NetworkOutcome networkOutcome(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "home" -> NetworkOutcome.HOME;
            case "roaming" -> NetworkOutcome.ROAMING;
            case "denied" -> NetworkOutcome.DENIED;
            case "none", "no-coverage" -> NetworkOutcome.NO_COVERAGE;
            default -> throw new IllegalArgumentException("network must be home, roaming, denied or none: " + s);
        };
    }

    /** The status as one JSON line. */
    public static String statusJson(ModemSimulator.Status s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("persona", s.persona().name());
        o.put("imsi", s.imsi().orElse(null));
        o.put("iccid", s.iccid().orElse(null));
        o.put("imei", s.identity().imei().value());
        o.put("card", s.card());
        o.put("cfun", s.cfun());
        o.put("sim", s.simCard().name());
        o.put("registration", s.registration().name());
        o.put("dataActive", s.dataActive());
        o.put("apn", s.apn());
        o.put("echo", s.echo());
        o.put("mute", s.faults().mute());
        return o.toString();
    }

    private static void need(String[] w, int n, String usage) {
        if (w.length < n) {
            throw new IllegalArgumentException("usage: " + usage);
        }
    }

    private static boolean onOff(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "on", "true", "1" -> true;
            case "off", "false", "0" -> false;
            default -> throw new IllegalArgumentException("expected on or off: " + s);
        };
    }
}
