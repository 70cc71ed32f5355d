package io.vinbind.hil.cli;

import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.euicc.EuiccConfig;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.pki.CertificateCheckException;
import io.vinbind.esim.pki.EuiccCredentials;
import io.vinbind.hil.euicc.EuiccIdentity;
import io.vinbind.hil.euicc.EuiccWiring;
import io.vinbind.log.NonBlockingStderr;
import io.vinbind.modem.cli.ModemSimCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./vinbind sim modem --euicc DIR …}: the modem simulator of modem-at with the eUICC simulator of esim as its
 * card. It lives here because only hil-tests may depend on both; the launcher sends {@code sim modem} here when
 * {@code --euicc} is given. Every option it does not know goes to {@code sim modem} unchanged.
 */
@Command(name = "sim modem --euicc", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs the AT modem simulator (see ./vinbind sim modem --help for its options, all",
            "accepted here) with an eUICC simulator in it instead of the plain USIM:",
            "AT+CCHO/CGLA/CCHC and AT+CSIM reach the eUICC's ISD-R (ES10 through STORE DATA),",
            "AT+CIMI and the ICCID commands report the profile the network sees, and",
            "AT+CFUN=0 then 1 (or AT+CFUN=1,1) is its REFRESH.",
            "",
            "DIR holds the eUICC's identity: a directory from ./vinbind esim pki init DIR (the",
            "first eUICC, or --eid), or euicc.pem, euicc.key.pem, eum.pem and ci.pem (e.g. the",
            "GSMA SGP.26 test eUICC). Profiles and notifications persist in --euicc-state.",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "2:bad command line, or no eUICC identity in DIR",
            "3:the serial device could not be opened"})
public final class EuiccSimModemCli implements Callable<Integer> {

    @Option(names = "--euicc", required = true, paramLabel = "DIR", description = "the eUICC's identity (see above)")
    Path dir;

    @Option(names = "--eid", paramLabel = "<32 digits>", description = "which eUICC of a PKI directory (default: the first)")
    String eid;

    @Option(names = "--euicc-state", paramLabel = "FILE",
            description = "where profiles and notifications persist (default DIR/euicc-<EID>.state.json)")
    Path state;

    @Option(names = "--no-euicc-state", description = "keep the eUICC's profiles in memory only")
    boolean memoryOnly;

    @Option(names = "--profile", paramLabel = "ICCID,IMSI[,enabled]",
            description = "install this profile as a factory would (no download) unless the eUICC has it; repeatable")
    List<String> profiles = new ArrayList<>();

    @Option(names = "--enable-needs-refresh",
            description = "an enabled profile reaches the network only after the card's REFRESH (AT+CFUN=0/1)")
    boolean enableNeedsRefresh;

    @Option(names = "--euicc-delay", defaultValue = "0ms", paramLabel = "<duration>",
            description = "the eUICC answers every APDU this much later (a slow card)")
    Duration euiccDelay;

    @Unmatched
    List<String> simModemArgs = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        NonBlockingStderr.install();
        System.exit(new CommandLine(new EuiccSimModemCli()).registerConverter(Duration.class, new ShortDuration())
                .execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        EuiccSimulator euicc;
        try {
            EuiccCredentials id = EuiccIdentity.load(dir, Optional.ofNullable(eid));
            Path file = memoryOnly ? null : state != null ? state : dir.resolve("euicc-" + id.eid() + ".state.json");
            euicc = new EuiccSimulator(id, EuiccConfig.DEFAULT.withAnswerDelay(euiccDelay)
                    .withEnableNeedsRefresh(enableNeedsRefresh), file);
            for (String p : profiles) {
                preinstall(euicc, p);
            }
            Logger.info("sim modem: eUICC {} with {} profile(s), state {}", id.eid(), euicc.profiles().size(),
                    file == null ? "in memory" : file);
        } catch (IOException | CertificateCheckException | IllegalArgumentException e) {
            err.println("sim modem --euicc: " + e.getMessage());
            return 2;
        }
        return ModemSimCli.commandLine(new ModemSimCli(Optional.of(EuiccWiring.card(euicc))))
                .setOut(spec.commandLine().getOut()).setErr(err)
                .execute(simModemArgs.toArray(new String[0]));
    }

    private static void preinstall(EuiccSimulator euicc, String spec) {
        String[] f = spec.split(",");
        if (f.length < 2 || f.length > 3 || (f.length == 3 && !f[2].strip().equalsIgnoreCase("enabled"))) {
            throw new IllegalArgumentException("--profile wants ICCID,IMSI or ICCID,IMSI,enabled: '" + spec + "'");
        }
        Iccid iccid = new Iccid(f[0].strip());
        if (euicc.profiles().stream().anyMatch(p -> p.iccid().equals(iccid.digits()))) {
            Logger.info("sim modem: the eUICC has profile {} already", iccid.digits());
            return;
        }
        euicc.preinstall(ProfilePackage.of(iccid, f[1].strip(), "vinbind"), f.length == 3);
    }
}
