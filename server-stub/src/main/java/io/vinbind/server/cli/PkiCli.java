package io.vinbind.server.cli;

import io.vinbind.server.pki.Identity;
import io.vinbind.server.pki.PemFiles;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TestPki;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bouncycastle.util.IPAddress;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./vinbind pki}: the test PKI in a directory (see {@link TestPki} and docs/security.md). Prints to stdout;
 * an error is one line on stderr. Never prints a private key and takes no secret on the command line.
 */
@Command(name = "pki", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {PkiCli.Init.class, PkiCli.Server.class, PkiCli.Service.class, PkiCli.Terminal.class,
        PkiCli.Revoke.class, PkiCli.Crl.class, PkiCli.ListCommand.class},
    description = {
        "The test PKI of a vinbind deployment, kept in one directory: a terminal CA (terminal certificates, "
            + "CN=<terminal id>, OU=vinbind-terminal), a service CA (server and tool certificates, CN=svc:<name>, "
            + "OU=vinbind-service), the certificates issued from them, revoked.txt and the CRLs.",
        "Keys are unencrypted PKCS#8 PEM files readable by their owner only (0600); the directory is 0700. "
            + "No command prints a key or takes a secret.",
        "An OEM plugs in its own CAs by putting their files in the same layout: see docs/security.md."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done (or --help)", "1:failed (reason on stderr)", "2:bad command line or arguments"},
    footer = {"", "Examples:",
        "  ./vinbind pki init pki",
        "  ./vinbind pki server pki --name server-1 --dns mqtt.example.com --ip 10.0.0.5",
        "  ./vinbind pki service pki --name factory-line-3",
        "  ./vinbind pki terminal pki --id TBOX-0001",
        "  ./vinbind pki revoke pki --terminal TBOX-0001",
        "  ./vinbind pki crl pki",
        "  ./vinbind pki list pki"})
public final class PkiCli implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (tests run it in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new PkiCli());
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine line = e.getCommandLine();
            line.getErr().println("vinbind " + line.getCommandSpec().qualifiedName() + ": " + oneLine(e.getMessage())
                + " (see --help)");
            return CommandLine.ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            line.getErr().println("vinbind " + line.getCommandSpec().qualifiedName() + ": " + oneLine(String.valueOf(e)));
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("vinbind pki: a subcommand is needed: init, server, service, terminal,"
            + " revoke, crl or list (see --help)");
        return CommandLine.ExitCode.USAGE;
    }

    /** What every subcommand shares: the directory, the streams, one line on stderr per failure. */
    abstract static class Sub implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "DIR", description = "The PKI directory.")
        Path dir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract void run(PrintWriter out) throws PkiException;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                run(out);
                out.flush();
                return CommandLine.ExitCode.OK;
            } catch (PkiException e) {
                out.flush();
                spec.commandLine().getErr().println("vinbind " + spec.qualifiedName() + ": " + oneLine(e.getMessage()));
                return CommandLine.ExitCode.SOFTWARE;
            }
        }

        TestPki open() throws PkiException {
            return TestPki.open(dir);
        }
    }

    /** {@code pki init DIR} */
    @Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Creates a terminal CA and a service CA (P-256, 20 years) and empty CRLs in DIR.",
            "Refuses a directory that already has a CA."})
    static final class Init extends Sub {
        @Override
        void run(PrintWriter out) throws PkiException {
            TestPki pki = TestPki.create(dir);
            out.printf("created a test PKI in %s%n", pki.dir());
            printCa(out, "terminal CA", pki.terminalCaCertificate(), pki.terminalCaFile(), TestPki.TERMINAL_CA_KEY);
            printCa(out, "service CA", pki.serviceCaCertificate(), pki.serviceCaFile(), TestPki.SERVICE_CA_KEY);
            out.printf("  CRLs         %s, %s, both in %s%n", TestPki.TERMINAL_CRL, TestPki.SERVICE_CRL, TestPki.CRL_BUNDLE);
        }

        private static void printCa(PrintWriter out, String what, X509Certificate ca, Path file, String key) {
            out.printf("  %-12s %s, valid until %s%n", what, ca.getSubjectX500Principal().getName(),
                ca.getNotAfter().toInstant());
            out.printf("  %-12s %s (key %s, 0600)%n", "", file, key);
        }
    }

    /** {@code pki server DIR --name NAME [--dns D]... [--ip A]...} */
    @Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Issues a server certificate from the service CA.",
            "Subject CN=svc:NAME, OU=vinbind-service; EKU serverAuth + clientAuth (the broker's TLS identity and the "
                + "server's MQTT client credential); subjectAltNames localhost, 127.0.0.1 and each --dns and --ip. "
                + "Valid 2 years.",
            "Writes DIR/services/NAME.pem (the certificate, then the CA) and DIR/services/NAME.key (0600), replacing "
                + "an earlier one of that name."})
    static final class Server extends Sub {
        @Option(names = "--name", required = true, paramLabel = "NAME", converter = ServiceName.class,
            description = "Service name (1-64 of A-Z a-z 0-9 . _ -).")
        String name;

        @Option(names = "--dns", paramLabel = "HOST", converter = DnsName.class,
            description = "A DNS name clients connect to (repeatable).")
        List<String> dns = new ArrayList<>();

        @Option(names = "--ip", paramLabel = "ADDRESS", converter = IpAddress.class,
            description = "An IPv4 or IPv6 address clients connect to (repeatable).")
        List<InetAddress> ips = new ArrayList<>();

        @Override
        void run(PrintWriter out) throws PkiException {
            printIssued(out, "server", open().issueServer(name, dns, ips));
        }
    }

    /** {@code pki service DIR --name NAME} */
    @Command(name = "service", mixinStandardHelpOptions = true,
        description = {"Issues a tool's service certificate (factory, after-sales) from the service CA.",
            "Subject CN=svc:NAME, OU=vinbind-service; EKU clientAuth only. Valid 2 years.",
            "Writes DIR/services/NAME.pem and DIR/services/NAME.key (0600)."})
    static final class Service extends Sub {
        @Option(names = "--name", required = true, paramLabel = "NAME", converter = ServiceName.class,
            description = "Service name (1-64 of A-Z a-z 0-9 . _ -).")
        String name;

        @Override
        void run(PrintWriter out) throws PkiException {
            printIssued(out, "service", open().issueService(name));
        }
    }

    /** {@code pki terminal DIR --id TERMINAL_ID [--valid-days N]} */
    @Command(name = "terminal", mixinStandardHelpOptions = true,
        description = {"Issues a terminal certificate from the terminal CA, as the terminal factory does.",
            "Subject CN=TERMINAL_ID, OU=vinbind-terminal; EKU clientAuth; a new P-256 key. Valid 15 years unless "
                + "--valid-days says otherwise.",
            "Writes DIR/terminals/TERMINAL_ID.pem and DIR/terminals/TERMINAL_ID.key (0600)."})
    static final class Terminal extends Sub {
        @Option(names = "--id", required = true, paramLabel = "TERMINAL_ID", converter = TerminalId.class,
            description = "Terminal id (1-64 of A-Z a-z 0-9 . _ -, never + # / or svc:).")
        String id;

        @Option(names = "--valid-days", paramLabel = "N", description = "Validity in days, 1-36500 (default: 15 years).")
        Integer validDays;

        @Override
        void run(PrintWriter out) throws PkiException {
            TestPki.Issued issued;
            if (validDays == null) {
                issued = open().issueTerminal(id);
            } else {
                if (validDays < 1 || validDays > 36_500) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                        "--valid-days " + validDays + " is not 1-36500");
                }
                Instant now = Instant.now();
                issued = open().issueTerminal(id, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(validDays)));
            }
            printIssued(out, "terminal", issued);
        }
    }

    /** {@code pki revoke DIR --terminal ID | --serial HEX | --service NAME} */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
        description = {"Revokes a certificate and re-signs its CA's CRL.",
            "Adds it to DIR/revoked.txt and re-signs terminal-ca.crl.pem or service-ca.crl.pem, and crls.pem. "
                + "Revoking twice changes nothing.",
            "--serial is a terminal certificate's serial in hex, as openssl x509 -serial prints it."})
    static final class Revoke extends Sub {
        static final class Target {
            @Option(names = "--terminal", paramLabel = "TERMINAL_ID", converter = TerminalId.class,
                description = "The terminal whose certificate is in DIR/terminals/.")
            String terminal;

            @Option(names = "--serial", paramLabel = "HEX", converter = Serial.class,
                description = "A terminal certificate's serial, e.g. one issued by the factory elsewhere.")
            BigInteger serial;

            @Option(names = "--service", paramLabel = "NAME", converter = ServiceName.class,
                description = "The service whose certificate is in DIR/services/.")
            String service;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Override
        void run(PrintWriter out) throws PkiException {
            TestPki pki = open();
            X509CRL crl;
            BigInteger serial;
            if (target.terminal != null) {
                crl = pki.revokeTerminal(target.terminal);
                serial = serialIn(pki.dir().resolve(TestPki.TERMINALS).resolve(target.terminal + ".pem"));
            } else if (target.service != null) {
                crl = pki.revokeService(target.service);
                serial = serialIn(pki.dir().resolve(TestPki.SERVICES).resolve(target.service + ".pem"));
            } else {
                serial = target.serial;
                crl = pki.revoke(serial);
            }
            out.printf("revoked serial %s%n", hex(serial));
            out.printf("  CRL %s: %d revoked, next update %s%n", crl.getIssuerX500Principal().getName(), count(crl),
                crl.getNextUpdate().toInstant());
        }
    }

    /** {@code pki crl DIR} */
    @Command(name = "crl", mixinStandardHelpOptions = true,
        description = {"Re-signs the CRLs whose CA key is in DIR (next update in 7 days).",
            "Also rewrites crls.pem. A broker that checks CRLs refuses every client once a CRL is past its next "
                + "update: run this daily."})
    static final class Crl extends Sub {
        @Override
        void run(PrintWriter out) throws PkiException {
            for (X509CRL crl : open().refreshCrls()) {
                out.printf("CRL %s: %d revoked, next update %s%n", crl.getIssuerX500Principal().getName(), count(crl),
                    crl.getNextUpdate().toInstant());
            }
        }
    }

    /** {@code pki list DIR} */
    @Command(name = "list", mixinStandardHelpOptions = true,
        description = {"Lists the CAs and the certificates in DIR/services and DIR/terminals.",
            "One line each: kind, name, serial, notAfter, revoked."})
    static final class ListCommand extends Sub {
        @Override
        void run(PrintWriter out) throws PkiException {
            TestPki pki = open();
            Set<BigInteger> revoked = pki.revokedSerials();
            String format = "%-12s %-36s %-33s %-21s %s%n";
            out.printf(format, "KIND", "NAME", "SERIAL", "NOT AFTER", "REVOKED");
            for (X509Certificate ca : List.of(pki.terminalCaCertificate(), pki.serviceCaCertificate())) {
                String kind = ca == pki.terminalCaCertificate() ? "terminal-ca" : "service-ca";
                out.printf(format, kind, commonName(ca), hex(ca.getSerialNumber()), ca.getNotAfter().toInstant(), "-");
            }
            for (Identity id : pki.issued()) {
                out.printf(format, id.kind().name().toLowerCase(Locale.ROOT), id.commonName(), hex(id.serial()),
                    id.notAfter(), revoked.contains(id.serial()) ? "yes" : "no");
            }
        }

        private static String commonName(X509Certificate c) {
            String dn = c.getSubjectX500Principal().getName();
            for (String part : dn.split(",")) {
                if (part.startsWith("CN=")) {
                    return part.substring(3);
                }
            }
            return dn;
        }
    }

    private static void printIssued(PrintWriter out, String what, TestPki.Issued issued) throws PkiException {
        Identity id = Identity.of(issued.certificate());
        out.printf("issued %s certificate %s, serial %s, valid until %s%n", what, id.commonName(), hex(id.serial()),
            id.notAfter());
        out.printf("  certificate %s%n", issued.certificateFile());
        out.printf("  key         %s (0600)%n", issued.keyFile());
        try {
            if (issued.certificate().getSubjectAlternativeNames() != null) {
                List<String> names = new ArrayList<>();
                for (List<?> san : issued.certificate().getSubjectAlternativeNames()) {
                    names.add(((Integer) san.get(0) == 7 ? "IP:" : "DNS:") + san.get(1));
                }
                out.printf("  names       %s%n", String.join(", ", names));
            }
        } catch (java.security.cert.CertificateParsingException e) {
            throw new PkiException(PkiException.Reason.INVALID_CHAIN, "cannot read the names of the issued certificate: "
                + e.getMessage(), e);
        }
    }

    private static BigInteger serialIn(Path chainFile) throws PkiException {
        return PemFiles.readCertificates(chainFile).get(0).getSerialNumber();
    }

    private static int count(X509CRL crl) {
        return crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
    }

    private static String hex(BigInteger serial) {
        return serial.toString(16).toUpperCase(Locale.ROOT);
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    static final class TerminalId implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return Identity.requireName(Identity.Kind.TERMINAL, value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class ServiceName implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return Identity.requireName(Identity.Kind.SERVICE, value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DnsName implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return TestPki.requireDnsName(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** An IP address literal; never a host name (a DNS lookup is not what a certificate request should do). */
    static final class IpAddress implements CommandLine.ITypeConverter<InetAddress> {
        @Override
        public InetAddress convert(String value) {
            if (!IPAddress.isValid(value)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an IPv4 or IPv6 address");
            }
            try {
                return InetAddress.getByName(value); // a literal: parsed, not looked up
            } catch (UnknownHostException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an IPv4 or IPv6 address");
            }
        }
    }

    static final class Serial implements CommandLine.ITypeConverter<BigInteger> {
        @Override
        public BigInteger convert(String value) {
            try {
                return TestPki.parseSerial(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
