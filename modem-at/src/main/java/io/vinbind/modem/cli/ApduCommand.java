package io.vinbind.modem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vinbind.log.Untrusted;
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
import io.vinbind.modem.uicc.ResponseApdu;
import io.vinbind.modem.uicc.Uicc;
import io.vinbind.modem.uicc.UiccChannel;
import io.vinbind.modem.uicc.UiccConfig;
import io.vinbind.modem.uicc.UiccException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./vinbind modem apdu --port P --aid AID HEX…}: APDUs to an application on the modem's card. */
@Command(name = "apdu", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Opens a logical channel to the application AID on the modem's card (AT+CCHO, or",
            "AT+CSIM with MANAGE CHANNEL and SELECT where the modem lacks it), sends each",
            "command APDU on it (the channel goes into CLA: 80E2... is sent as 81E2... on",
            "channel 1), follows 61xx with GET RESPONSE, closes the channel. Prints one line",
            "per APDU on stdout: the response data in hex (if any), a space, the status word:",
            "  BF3E125A1089049032123451234512345678901235 9000",
            "Status words are the card's answers, not failures: 6A88 is printed like 9000.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every APDU was answered (whatever its status word)",
            "2:bad command line (e.g. an APDU that is not hex)",
            "3:the port could not be opened",
            "4:the modem did not answer, answered wrongly, or the run exceeded --timeout",
            "6:the card has no application with that AID (e.g. a SIM that is not an eUICC)"})
final class ApduCommand implements Callable<Integer> {

    static final int EXIT_NO_APPLICATION = 6;

    @Option(names = "--port", required = true, paramLabel = "<device>", description = "the modem's AT port, e.g. /dev/ttyUSB2")
    String port;

    @Option(names = "--aid", required = true, paramLabel = "<hex>",
            description = "the application, e.g. A0000005591010FFFFFFFF8900000100 (an eUICC's ISD-R)")
    String aid;

    @Parameters(paramLabel = "HEX", arity = "1..*", description = "command APDUs in hex, sent in order")
    List<String> apdus;

    @Option(names = "--path", defaultValue = "AUTO", description = "AUTO, LOGICAL_CHANNEL (AT+CCHO/CGLA) or CSIM (default ${DEFAULT-VALUE})")
    ChannelPath path;

    @Option(names = "--apdu-timeout", defaultValue = "10s", paramLabel = "<duration>",
            description = "deadline of each APDU (default ${DEFAULT-VALUE})")
    Duration apduTimeout;

    @Option(names = "--download", description = "the APDUs belong to a profile download: use the download deadline (240 s)")
    boolean download;

    @Option(names = "--no-get-response", description = "show 61xx as the card gives it instead of following it with GET RESPONSE")
    boolean noGetResponse;

    @Option(names = "--json", description = "one JSON object per APDU: {\"command\":..,\"data\":..,\"sw\":..}")
    boolean json;

    @Option(names = "--baud", defaultValue = "115200", description = "baud rate (default ${DEFAULT-VALUE})")
    int baud;

    @Option(names = "--flow", defaultValue = "NONE", description = "flow control: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    FlowControl flow;

    @Option(names = "--timeout", defaultValue = "60s", paramLabel = "<duration>", description = "bound for the whole run (default ${DEFAULT-VALUE})")
    Duration timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        List<byte[]> commands = new ArrayList<>();
        UiccConfig config;
        SerialConfig serial;
        byte[] aidBytes;
        try {
            aidBytes = hex(aid, "--aid");
            if (aidBytes.length < 5 || aidBytes.length > 16) {
                throw new IllegalArgumentException("--aid has " + aidBytes.length + " bytes; an AID has 5-16");
            }
            for (int i = 0; i < apdus.size(); i++) {
                byte[] a = hex(apdus.get(i), "APDU " + (i + 1));
                if (a.length < 4 || a.length > Uicc.MAX_APDU) {
                    throw new IllegalArgumentException("APDU " + (i + 1) + " has " + a.length + " bytes; a short APDU has 4-"
                            + Uicc.MAX_APDU);
                }
                commands.add(a);
            }
            config = UiccConfig.DEFAULT.withPath(path).withGetResponse(!noGetResponse)
                    .withTimeouts(apduTimeout, download ? UiccConfig.DEFAULT.downloadApduTimeout() : apduTimeout,
                            UiccConfig.DEFAULT.cleanupTimeout());
            serial = SerialConfig.of(port).withBaudRate(baud).withFlowControl(flow);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("--timeout must be positive");
            }
        } catch (IllegalArgumentException e) {
            err.println("modem apdu: " + e.getMessage());
            return 2;
        }
        AtEngine engine;
        try {
            engine = AtEngine.start(JSerialCommLink.open(serial), AtEngineConfig.DEFAULT);
        } catch (IOException e) {
            err.println("modem apdu: cannot open " + port + ": " + e.getMessage());
            return Probe.EXIT_PORT;
        }
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "apdu");
            t.setDaemon(true);
            return t;
        });
        ApduKind kind = download ? ApduKind.DOWNLOAD : ApduKind.ORDINARY;
        try {
            Future<Void> f = worker.submit(() -> {
                prepare(engine);
                try (UiccChannel channel = Uicc.on(engine, config).open(aidBytes)) {
                    for (byte[] c : commands) {
                        ResponseApdu r = channel.transmit(c, kind);
                        out.println(json ? json(c, r) : (r.data().length == 0 ? "" : r.dataHex() + " ") + r.swHex());
                        out.flush();
                    }
                }
                return null;
            });
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return 0;
        } catch (TimeoutException e) {
            err.println("modem apdu: no result within " + timeout.toMillis() + " ms on " + port);
            return Probe.EXIT_MODEM;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UiccException u && u.reason() == UiccException.Reason.NO_SUCH_APPLICATION) {
                err.println("modem apdu: " + u.getMessage());
                return EXIT_NO_APPLICATION;
            }
            if (c instanceof AtException a) {
                err.println("modem apdu: " + a.getMessage());
                return Probe.EXIT_MODEM;
            }
            Logger.error(c, "modem apdu failed");
            err.println("modem apdu: " + c);
            return Probe.EXIT_MODEM;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("modem apdu: interrupted");
            return Probe.EXIT_MODEM;
        } finally {
            worker.shutdownNow();
            engine.close();
        }
    }

    /** Echo off and numeric errors, so {@code +CME ERROR: 13} can be told from a missing command; failures only logged. */
    static void prepare(AtEngine engine) throws AtException {
        for (String c : List.of("ATE0", "AT+CMEE=1")) {
            AtResponse r = engine.send(AtCommand.action(c));
            if (!r.isOk()) {
                Logger.info("{}: {} answered {}; continuing", engine.linkName(), c, r.result().rawLine());
            }
        }
    }

    private static String json(byte[] command, ResponseApdu r) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("command", HexFormat.of().withUpperCase().formatHex(command));
        o.put("data", r.dataHex());
        o.put("sw", r.swHex());
        return o.toString();
    }

    static byte[] hex(String text, String what) {
        String t = text.strip().replace(" ", "");
        for (int i = 0; i < t.length(); i++) {
            if (Character.digit(t.charAt(i), 16) < 0) {
                throw new IllegalArgumentException(what + " is not hex: '" + Untrusted.escape(t.charAt(i) + "")
                        + "' at offset " + i + " of '" + Untrusted.escape(t) + "'");
            }
        }
        if (t.length() % 2 != 0) {
            throw new IllegalArgumentException(what + " has an odd number (" + t.length() + ") of hex digits");
        }
        return HexFormat.of().parseHex(t);
    }
}
