package io.vinbind.server.cli;

import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.Topics;
import io.vinbind.server.ServerPki;
import io.vinbind.server.pki.Identity;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TestPki;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vinbind server mosquitto-config}: writes a Mosquitto 2 listener and ACL that enforce vinbind's trust
 * model — TLS with client certificates required, the certificate's CN as user name, one pattern rule per
 * message confining each terminal to {@code vinbind/v2/<its id>/…}, and the server's service identity allowed
 * to read every request and write every answer.
 */
@Command(name = "mosquitto-config", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Writes a Mosquitto 2 configuration for vinbind: a TLS listener requiring client certificates "
        + "(use_identity_as_username), CRLs, no anonymous clients, and an ACL keyed by the certificate's CN.",
        "The broker's certificate is issued from the PKI's service CA; the files go to --out (keys 0600: chown "
            + "them to the mosquitto user). Include the written mosquitto.conf from your main configuration or "
            + "run mosquitto -c on it."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:written", "1:could not (reason on stderr)", "2:bad command line"})
final class MosquittoConfigCli implements Callable<Integer> {

    @Option(names = "--pki", paramLabel = "DIR", required = true,
        description = "The PKI directory the server uses (data/pki by default on the server).")
    Path pki;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write into.")
    Path out;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8883", description = "Listener port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--listen", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
        description = "Listener address (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--dns", paramLabel = "NAME", description = "DNS names terminals reach the broker by (repeatable).")
    List<String> dnsNames = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "ADDRESS", description = "Addresses terminals reach the broker by (repeatable); 127.0.0.1 is always included.")
    List<String> ips = new ArrayList<>();

    @Option(names = "--server-name", paramLabel = "NAME", defaultValue = ServerPki.SERVER_NAME,
        description = "Service name of the vinbind server's certificate (default: ${DEFAULT-VALUE}).")
    String serverName;

    @Option(names = "--plugin", paramLabel = "FILE.so",
        description = "vinbind's ACL plugin (build it with 'mosquitto-plugin'). Without it an acl_file is written, "
            + "and Mosquitto 2.0 grants any subscription it filters only at delivery: a terminal that joins the "
            + "servers' share group makes a share of every request vanish (docs/security.md).")
    Path plugin;

    @Option(names = "--extra", paramLabel = "LINE", description = "A further line for mosquitto.conf (repeatable), e.g. 'log_dest file /tmp/m.log'.")
    List<String> extra = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("--port " + port + " is not 1-65535");
            }
            Identity.requireName(Identity.Kind.SERVICE, serverName);
            TestPki p = TestPki.open(pki);
            List<InetAddress> addresses = new ArrayList<>();
            for (String ip : ips) {
                addresses.add(InetAddress.getByName(ip));
            }
            TestPki.Issued broker = p.issueServer("mosquitto", dnsNames, addresses);
            Files.createDirectories(out);
            Path cert = copy(broker.certificateFile(), out.resolve("broker.pem"), "rw-r--r--");
            Path key = copy(broker.keyFile(), out.resolve("broker.key"), "rw-------");
            Path cas = out.resolve("client-cas.pem");
            write(cas, Files.readString(p.terminalCaFile()) + Files.readString(p.serviceCaFile()), "rw-r--r--");
            if (p.canIssueTerminals() || p.canIssueServices()) {
                p.refreshCrls();
            }
            Path crls = copy(p.crlBundleFile(), out.resolve("crls.pem"), "rw-r--r--");
            String serverUser = Identity.SERVICE_PREFIX + serverName;
            String access;
            PrintWriter o = spec.commandLine().getOut();
            if (plugin != null) {
                if (!Files.isRegularFile(plugin)) {
                    throw new IllegalArgumentException("--plugin " + plugin + " is not a file (build it with"
                        + " 'mosquitto-plugin --out " + plugin + "')");
                }
                access = "plugin " + plugin.toAbsolutePath() + "\nplugin_opt_service_users " + serverUser + "\n";
            } else {
                Path acl = out.resolve("acl");
                write(acl, acl(serverUser), "rw-r--r--");
                access = "# WARNING: Mosquitto 2.0's acl_file grants every SUBSCRIBE (it filters only what it delivers):\n"
                    + "# a terminal subscribing to the servers' $share group takes a share of the requests, which are then\n"
                    + "# dropped. Use the vinbind ACL plugin (--plugin) for a fleet.\n"
                    + "acl_file " + acl + "\n";
                err.println("vinbind server mosquitto-config: WARNING: no --plugin: with an acl_file a terminal can make"
                    + " requests vanish by joining the servers' share group; build the plugin with 'mosquitto-plugin'");
            }
            Path conf = out.resolve("mosquitto.conf");
            write(conf, conf(port, listen, cas, cert, key, crls, access, extra), "rw-r--r--");
            o.println("wrote " + conf + " (listener " + listen + ":" + port + ", TLS, client certificates required)");
            o.println("      access: " + (plugin != null ? "vinbind ACL plugin" : "acl_file") + " (terminals confined to "
                + Topics.ROOT + "/<CN>/..., server " + serverUser + ")");
            o.println("CRLs expire: re-run this, or './vinbind pki crl " + pki + "' and copy crls.pem, at least weekly");
            o.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("vinbind server mosquitto-config: " + e.getMessage());
            return 2;
        } catch (IOException | PkiException e) {
            err.println("vinbind server mosquitto-config: " + e.getMessage());
            return 1;
        }
    }

    /** The ACL: the server's identity reads requests and writes answers; each terminal only its own. */
    static String acl(String serverUser) {
        StringBuilder sb = new StringBuilder();
        sb.append("# vinbind broker ACL (./vinbind server mosquitto-config). User names are certificate CNs.\n");
        sb.append("# Mosquitto checks a $share/<group>/<filter> subscription against <filter>.\n\n");
        sb.append("user ").append(serverUser).append('\n');
        for (MessageType type : MessageType.values()) {
            sb.append(type.isAck() ? "topic write " : "topic read ").append(Topics.allTerminals(type)).append('\n');
        }
        sb.append("\n# every terminal: its own requests out, its own answers in (%u = its certificate's CN)\n");
        for (MessageType type : MessageType.values()) {
            sb.append(type.isAck() ? "pattern read " : "pattern write ").append(Topics.ROOT).append("/%u/")
                .append(type.suffix()).append('\n');
        }
        return sb.toString();
    }

    static String conf(int port, String listen, Path cas, Path cert, Path key, Path crls, String access,
                       List<String> extra) {
        StringBuilder sb = new StringBuilder();
        sb.append("# vinbind broker listener (./vinbind server mosquitto-config)\n");
        sb.append("per_listener_settings false\n");
        sb.append("allow_anonymous false\n");
        sb.append(access);
        sb.append("# one server is one subscriber for the whole fleet: a burst must not be dropped or throttled\n");
        sb.append("max_queued_messages 200000\nmax_inflight_messages 1000\nmax_packet_size 262144\n");
        sb.append("set_tcp_nodelay true\n\n");
        sb.append("listener ").append(port).append(' ').append(listen).append('\n');
        sb.append("cafile ").append(cas).append('\n');
        sb.append("certfile ").append(cert).append('\n');
        sb.append("keyfile ").append(key).append('\n');
        sb.append("crlfile ").append(crls).append('\n');
        sb.append("require_certificate true\n");
        sb.append("use_identity_as_username true\n");
        sb.append("tls_version tlsv1.2\n");
        for (String line : extra) {
            if (line.contains("\n") || line.contains("\r")) {
                throw new IllegalArgumentException("--extra line holds a line break");
            }
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    private static Path copy(Path from, Path to, String mode) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return to;
    }

    private static void write(Path to, String text, String mode) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
