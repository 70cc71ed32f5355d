package io.vinbind.esim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.bpp.Segment;
import io.vinbind.esim.message.MalformedMessageException;
import io.vinbind.esim.message.StoreMetadata;
import io.vinbind.esim.pki.TestPki;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./vinbind esim …}: GSMA RSP tools — bound profile packages and the bench's test PKI. */
@Command(name = "esim", mixinStandardHelpOptions = true,
        description = "GSMA RSP (SGP.22) tools: inspect bound profile packages, generate a test PKI.",
        subcommands = {EsimCli.Bpp.class, EsimCli.Pki.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the input was refused (named on stderr)", "2:bad command line"})
public final class EsimCli implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new EsimCli());
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** {@code esim bpp …}. */
    @Command(name = "bpp", mixinStandardHelpOptions = true, description = "Bound profile packages (SGP.22 §2.5.4).",
            subcommands = {Inspect.class})
    static final class Bpp implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return 2;
        }
    }

    /** {@code esim bpp inspect FILE}: segments and StoreMetadata as JSON. */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"Prints a bound profile package's segments (as SGP.22 §2.5.5 cuts them for loading) and",
                "its StoreMetadata (ICCID, service provider, profile name) as JSON. Reads DER, or base64 as",
                "ES9+ getBoundProfilePackage carries it. Needs no keys: the profile itself stays encrypted."})
    static final class Inspect implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "the package (DER or base64)")
        Path file;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            byte[] raw;
            try {
                raw = Files.readAllBytes(file);
            } catch (IOException e) {
                err.println("esim bpp inspect: cannot read " + file + ": " + e.getMessage());
                return 1;
            }
            try {
                BoundProfilePackage bpp = BoundProfilePackage.decode(der(raw));
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(describe(bpp)));
                out.flush();
                return 0;
            } catch (MalformedMessageException | IllegalArgumentException e) {
                err.println("esim bpp inspect: " + file + " is not a bound profile package: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                err.println("esim bpp inspect: " + e.getMessage());
                return 1;
            }
        }

        static byte[] der(byte[] raw) {
            if (raw.length > 0 && (raw[0] & 0xFF) == 0xBF) {
                return raw;
            }
            String text = new String(raw, StandardCharsets.US_ASCII).strip();
            try {
                return Base64.getMimeDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("neither DER (BF36...) nor base64");
            }
        }

        static Map<String, Object> describe(BoundProfilePackage bpp) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("size", bpp.size());
            o.put("transactionId", HexFormat.of().withUpperCase().formatHex(bpp.initialiseSecureChannel().transactionId()));
            StoreMetadata m = bpp.storeMetadata();
            Map<String, Object> md = new LinkedHashMap<>();
            md.put("iccid", m.iccid().digits());
            md.put("serviceProviderName", m.serviceProviderName());
            md.put("profileName", m.profileName());
            md.put("profileClass", m.profileClass().name().toLowerCase(java.util.Locale.ROOT));
            o.put("metadata", md);
            o.put("replaceSessionKeys", bpp.secondSequenceOf87() != null);
            List<Map<String, Object>> segs = new ArrayList<>();
            int i = 0;
            for (Segment s : bpp.segments()) {
                Map<String, Object> so = new LinkedHashMap<>();
                so.put("index", i++);
                so.put("kind", s.kind().name());
                so.put("length", s.length());
                byte[] b = s.bytes();
                so.put("head", HexFormat.of().withUpperCase().formatHex(b, 0, Math.min(4, b.length)));
                segs.add(so);
            }
            o.put("segments", segs);
            return o;
        }
    }

    /** {@code esim pki …}. */
    @Command(name = "pki", mixinStandardHelpOptions = true, description = "The bench's RSP test PKI.",
            subcommands = {Init.class})
    static final class Pki implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getErr());
            return 2;
        }
    }

    /** {@code esim pki init DIR}. */
    @Command(name = "init", mixinStandardHelpOptions = true,
            description = {"Generates a test PKI with the SGP.22 certificate profiles into DIR: CI, EUM (EID prefix",
                TestPki.DEFAULT_EID_PREFIX + " as name constraint), eUICCs, and the SM-DP+'s DPauth, DPpb and DPtls",
                "(P-256, PEM; private keys readable by the owner only), plus pki.properties."})
    static final class Init implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "directory to write (created if missing)")
        Path dir;

        @Option(names = "--euiccs", defaultValue = "1", description = "number of eUICCs (default ${DEFAULT-VALUE})")
        int euiccs;

        @Option(names = "--smdp-address", defaultValue = TestPki.DEFAULT_SMDP_ADDRESS,
                description = "the SM-DP+ FQDN in DPtls (default ${DEFAULT-VALUE})")
        String smdpAddress;

        @Option(names = "--force", description = "overwrite a PKI already in DIR")
        boolean force;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (euiccs < 1 || euiccs > 1000) {
                err.println("esim pki init: --euiccs must be 1-1000");
                return 2;
            }
            if (Files.exists(dir.resolve(TestPki.CI_CERT)) && !force) {
                err.println("esim pki init: " + dir + " already holds a PKI (use --force to replace it)");
                return 1;
            }
            try {
                TestPki pki = TestPki.create(smdpAddress, euiccs);
                pki.writeTo(dir);
                out.println("test PKI written to " + dir + ": CI, EUM, " + euiccs + " eUICC(s) " + pki.eids()
                    + ", DPauth, DPpb, DPtls for " + smdpAddress);
                out.flush();
                return 0;
            } catch (IOException e) {
                err.println("esim pki init: cannot write " + dir + ": " + e.getMessage());
                return 1;
            }
        }
    }
}
