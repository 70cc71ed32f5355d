package io.vinbind.hil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.es10.Es10Exception;
import io.vinbind.esim.message.Challenge;
import io.vinbind.esim.message.EuiccInfo2;
import io.vinbind.esim.message.MalformedMessageException;
import io.vinbind.esim.message.ProfileInfo;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.hil.euicc.EuiccWiring;
import io.vinbind.log.NonBlockingStderr;
import io.vinbind.modem.at.AtCommand;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtEngineConfig;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.at.AtResponse;
import io.vinbind.modem.link.FlowControl;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.uicc.ApduKind;
import io.vinbind.modem.uicc.ChannelPath;
import io.vinbind.modem.uicc.Uicc;
import io.vinbind.modem.uicc.UiccChannel;
import io.vinbind.modem.uicc.UiccConfig;
import io.vinbind.modem.uicc.UiccException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./vinbind modem euicc info|profiles --port P}: the eUICC behind a modem, read through its AT port with ES10
 * (GetEID, GetEUICCInfo2, GetProfilesInfo) over a logical channel to the ISD-R. It needs modem-at (the channel) and
 * esim (the ES10 messages), and only hil-tests may depend on both, so it lives here; the launcher dispatches
 * {@code modem euicc} to it.
 */
@Command(name = "modem euicc", mixinStandardHelpOptions = true, subcommands = {ModemEuiccCli.Info.class, ModemEuiccCli.Profiles.class},
        description = {"The eUICC behind the modem, through AT+CCHO/CGLA (or AT+CSIM) and ES10.",
            "Works with a real modem and eUICC, and with ./vinbind sim modem --euicc DIR."})
public final class ModemEuiccCli implements Callable<Integer> {

    static final int EXIT_PORT = 3;
    static final int EXIT_MODEM = 4;
    static final int EXIT_NOT_EUICC = 6;
    static final int EXIT_EUICC = 7;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        NonBlockingStderr.install();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new ModemEuiccCli()).registerConverter(Duration.class, new ShortDuration())
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** The options both subcommands take. */
    static final class Port {
        @Option(names = "--port", required = true, paramLabel = "<device>", description = "the modem's AT port, e.g. /dev/ttyUSB2")
        String port;

        @Option(names = "--baud", defaultValue = "115200", description = "baud rate (default ${DEFAULT-VALUE})")
        int baud;

        @Option(names = "--flow", defaultValue = "NONE", description = "flow control: ${COMPLETION-CANDIDATES}")
        FlowControl flow;

        @Option(names = "--path", defaultValue = "AUTO", description = "AUTO, LOGICAL_CHANNEL (AT+CCHO/CGLA) or CSIM (default ${DEFAULT-VALUE})")
        ChannelPath path;

        @Option(names = "--apdu-timeout", defaultValue = "10s", paramLabel = "<duration>", description = "deadline of each APDU")
        Duration apduTimeout;

        @Option(names = "--timeout", defaultValue = "60s", paramLabel = "<duration>", description = "bound for the whole run")
        Duration timeout;
    }

    /** What a subcommand reads once the ES10 client stands. */
    interface Reading {
        ObjectNode read(Es10Client es10, UiccChannel channel) throws Es10Exception;
    }

    static int run(String name, Port p, CommandLine.Model.CommandSpec spec, Reading reading) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String prefix = "modem euicc " + name + ": ";
        SerialConfig serial;
        UiccConfig config;
        try {
            serial = SerialConfig.of(p.port).withBaudRate(p.baud).withFlowControl(p.flow);
            config = UiccConfig.DEFAULT.withPath(p.path).withTimeouts(p.apduTimeout, UiccConfig.DEFAULT.downloadApduTimeout(),
                    UiccConfig.DEFAULT.cleanupTimeout());
            if (p.timeout.isNegative() || p.timeout.isZero()) {
                throw new IllegalArgumentException("--timeout must be positive");
            }
        } catch (IllegalArgumentException e) {
            err.println(prefix + e.getMessage());
            return 2;
        }
        AtEngine engine;
        try {
            engine = AtEngine.start(JSerialCommLink.open(serial), AtEngineConfig.DEFAULT);
        } catch (IOException e) {
            err.println(prefix + "cannot open " + p.port + ": " + e.getMessage());
            return EXIT_PORT;
        }
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "modem-euicc");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<ObjectNode> f = worker.submit(() -> {
                for (String c : List.of("ATE0", "AT+CMEE=1")) { // numeric errors: CME 13 tells "no eUICC"
                    AtResponse r = engine.send(AtCommand.action(c));
                    if (!r.isOk()) {
                        Logger.info("{}: {} answered {}; continuing", p.port, c, r.result().rawLine());
                    }
                }
                try (UiccChannel channel = Uicc.on(engine, config).open(EuiccWiring.ISD_R)) {
                    return reading.read(EuiccWiring.es10(channel, ApduKind.ORDINARY), channel);
                }
            });
            ObjectNode result = f.get(p.timeout.toMillis(), TimeUnit.MILLISECONDS);
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
            out.flush();
            return 0;
        } catch (TimeoutException e) {
            err.println(prefix + "no result within " + p.timeout.toMillis() + " ms on " + p.port);
            return EXIT_MODEM;
        } catch (ExecutionException e) {
            return failure(prefix, err, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(prefix + "interrupted");
            return EXIT_MODEM;
        } catch (IOException e) {
            err.println(prefix + e.getMessage());
            return EXIT_EUICC;
        } finally {
            worker.shutdownNow();
            engine.close();
        }
    }

    private static int failure(String prefix, PrintWriter err, Throwable c) {
        if (c instanceof UiccException u && u.reason() == UiccException.Reason.NO_SUCH_APPLICATION) {
            err.println(prefix + "the card has no ISD-R, it is not an eUICC: " + u.getMessage());
            return EXIT_NOT_EUICC;
        }
        for (Throwable t = c; t != null; t = t.getCause()) {
            if (t instanceof AtException a) {
                err.println(prefix + a.getMessage());
                return EXIT_MODEM;
            }
        }
        if (c instanceof Es10Exception || c instanceof MalformedMessageException) {
            err.println(prefix + "the eUICC answered wrongly: " + c.getMessage());
            return EXIT_EUICC;
        }
        Logger.error(c, "modem euicc failed");
        err.println(prefix + c);
        return EXIT_MODEM;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().withUpperCase().formatHex(b);
    }

    /** {@code 020301} → {@code 2.3.1}. */
    private static String version(byte[] v) {
        return (v[0] & 0xFF) + "." + (v[1] & 0xFF) + "." + (v[2] & 0xFF);
    }

    private static String eid(Es10Client es10) throws Es10Exception {
        return hex(ProfileManagement.GetEidResponse.decode(es10.send(new ProfileManagement.GetEidRequest().encode())).eid());
    }

    private static ObjectNode head(String eid, UiccChannel channel) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("eid", eid);
        o.put("path", channel.path().name());
        o.put("channel", channel.number());
        return o;
    }

    /** {@code modem euicc info}. */
    @Command(name = "info", mixinStandardHelpOptions = true,
            description = {"Prints the EID and a summary of EUICCInfo2 (SGP.22 §5.7.8) as JSON:",
                "  {\"eid\":..,\"path\":..,\"channel\":..,\"euiccInfo2\":{\"profileVersion\":\"2.3.1\",\"svn\":..,",
                "   \"firmwareVersion\":..,\"freeNonVolatileMemory\":..,\"freeVolatileMemory\":..,",
                "   \"installedApplications\":..,\"ciPkIdsForVerification\":[..],\"ciPkIdsForSigning\":[..],",
                "   \"ppVersion\":..,\"sasAccreditationNumber\":..}}"},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "2:bad command line", "3:the port could not be opened",
                "4:the modem did not answer or answered wrongly, or --timeout passed",
                "6:the card is not an eUICC (no ISD-R)", "7:the eUICC answered ES10 wrongly"})
    static final class Info implements Callable<Integer> {
        @Mixin
        Port port;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run("info", port, spec, (es10, channel) -> {
                ObjectNode o = head(eid(es10), channel);
                EuiccInfo2 i = EuiccInfo2.decode(es10.send(Challenge.euiccInfo2Request()));
                ObjectNode n = o.putObject("euiccInfo2");
                n.put("profileVersion", version(i.profileVersion()));
                n.put("svn", version(i.svn()));
                n.put("firmwareVersion", version(i.firmwareVersion()));
                n.put("freeNonVolatileMemory", i.freeNonVolatileMemory());
                n.put("freeVolatileMemory", i.freeVolatileMemory());
                n.put("installedApplications", i.installedApplications());
                ArrayNode v = n.putArray("ciPkIdsForVerification");
                i.ciPkIdsForVerification().forEach(k -> v.add(hex(k)));
                ArrayNode s = n.putArray("ciPkIdsForSigning");
                i.ciPkIdsForSigning().forEach(k -> s.add(hex(k)));
                n.put("ppVersion", version(i.ppVersion()));
                n.put("sasAccreditationNumber", i.sasAccreditationNumber());
                return o;
            });
        }
    }

    /** {@code modem euicc profiles}. */
    @Command(name = "profiles", mixinStandardHelpOptions = true,
            description = {"Prints the installed profiles (ES10c GetProfilesInfo, SGP.22 §5.7.15) as JSON:",
                "  {\"eid\":..,\"path\":..,\"channel\":..,\"profiles\":[{\"iccid\":..,\"state\":\"enabled\"|\"disabled\",",
                "   \"name\":..,\"nickname\":..,\"serviceProvider\":..,\"profileClass\":..,\"isdpAid\":..}]}"},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:done", "2:bad command line", "3:the port could not be opened",
                "4:the modem did not answer or answered wrongly, or --timeout passed",
                "6:the card is not an eUICC (no ISD-R)", "7:the eUICC answered ES10 wrongly"})
    static final class Profiles implements Callable<Integer> {
        @Mixin
        Port port;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return run("profiles", port, spec, (es10, channel) -> {
                ObjectNode o = head(eid(es10), channel);
                ProfileManagement.ProfilesInfoResponse r = ProfileManagement.ProfilesInfoResponse.decode(
                        es10.send(new ProfileManagement.ProfilesInfoRequest(null).encode()));
                ArrayNode list = o.putArray("profiles");
                for (ProfileInfo p : r.profiles()) {
                    ObjectNode n = list.addObject();
                    n.put("iccid", p.iccid().digits());
                    n.put("state", p.state().name().toLowerCase(Locale.ROOT));
                    n.put("name", p.profileName());
                    n.put("nickname", p.nickname());
                    n.put("serviceProvider", p.serviceProviderName());
                    n.put("profileClass", p.profileClass().name().toLowerCase(Locale.ROOT));
                    n.put("isdpAid", hex(p.isdpAid()));
                }
                return o;
            });
        }
    }
}
