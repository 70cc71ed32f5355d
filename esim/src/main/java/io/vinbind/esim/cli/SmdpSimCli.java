package io.vinbind.esim.cli;

import io.vinbind.esim.crypto.Ecc;
import io.vinbind.esim.pki.SmdpCredentials;
import io.vinbind.esim.smdp.InventoryProfile;
import io.vinbind.esim.smdp.SmdpConfig;
import io.vinbind.esim.smdp.SmdpFaults;
import io.vinbind.esim.smdp.SmdpSimulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./vinbind sim smdp …}: the SM-DP+ simulator as a bench process. */
@Command(name = "sim smdp", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs the SM-DP+ simulator (ES2+ for the operator, ES9+ for LPAs) over HTTPS with the DPtls",
            "certificate of a test PKI (./vinbind esim pki init DIR) until stopped (SIGTERM / Ctrl-C).",
            "Prints 'listening on https://HOST:PORT' and the ES2+ bearer token on stdout.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "1:PKI, inventory or port refused", "2:bad command line"})
public final class SmdpSimCli implements Callable<Integer> {

    @Option(names = "--pki", required = true, paramLabel = "DIR", description = "test PKI directory (dpauth/dppb/dptls, ci)")
    Path pki;

    @Option(names = "--inventory", required = true, paramLabel = "FILE", description = "profiles: iccid,imsi,profileType a line")
    Path inventory;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "TCP port, 0 for a free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "file holding the ES2+ bearer token (default: a random token, printed)")
    Path tokenFile;

    @Option(names = "--callback", paramLabel = "URL", description = "operator endpoint for handleDownloadProgressInfo")
    URI callback;

    @Option(names = "--callback-token-file", paramLabel = "FILE",
            description = "file holding the bearer token sent with each handleDownloadProgressInfo (the operator"
                + " endpoint's credential for this SM-DP+; e.g. a vinbind API token of role operator-platform)")
    Path callbackTokenFile;

    @Option(names = "--state", paramLabel = "FILE", description = "persist orders and sessions here (default: memory only)")
    Path state;

    @Option(names = "--order-ttl", defaultValue = "24h", paramLabel = "<duration>",
            description = "how long an order stays valid (default ${DEFAULT-VALUE})")
    Duration orderTtl;

    @Option(names = "--ppk", description = "bind packages with profile protection keys (ReplaceSessionKeys, BPP A2)")
    boolean ppk;

    @Option(names = "--delay", defaultValue = "0ms", paramLabel = "<duration>", description = "fault: delay before every answer")
    Duration delay;

    @Option(names = "--server-errors", defaultValue = "0", paramLabel = "<n>", description = "fault: answer the next n requests HTTP 500")
    int serverErrors;

    @Option(names = "--refuse-matching-id", paramLabel = "<id>", description = "fault: refuse this matchingId (8.2.6/3.8); repeatable")
    List<String> refused = List.of();

    @Option(names = "--expire-orders", description = "fault: every order is expired (8.8.5/4.10)")
    boolean expire;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SmdpSimCli()).registerConverter(Duration.class, new DurationConverter()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SmdpConfig config;
        String token;
        try {
            token = tokenFile == null ? HexFormat.of().formatHex(Ecc.random(16)) : Files.readString(tokenFile).strip();
            SmdpCredentials creds = SmdpCredentials.fromPkiDirectory(pki);
            List<InventoryProfile> profiles = InventoryProfile.load(inventory);
            Set<String> refusedIds = new LinkedHashSet<>(refused);
            String callbackToken = callbackTokenFile == null ? null : Files.readString(callbackTokenFile).strip();
            config = new SmdpConfig(creds, profiles, host, port, token, callback, callbackToken, orderTtl, 3, state,
                new SmdpFaults(delay, serverErrors, refusedIds, expire), ppk);
        } catch (IOException e) {
            err.println("sim smdp: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("sim smdp: " + e.getMessage());
            return 2;
        }
        SmdpSimulator sim;
        try {
            sim = SmdpSimulator.start(config);
        } catch (IOException e) {
            err.println("sim smdp: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "sim-smdp-shutdown"));
        out.println("listening on " + sim.baseUri() + " (SM-DP+ address " + sim.smdpAddress() + ", "
            + config.inventory().size() + " profiles)");
        if (tokenFile == null) {
            out.println("es2 token: " + token);
        }
        out.flush();
        Logger.info("sim smdp: running until stopped");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
