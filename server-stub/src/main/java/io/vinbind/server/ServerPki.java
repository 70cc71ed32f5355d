package io.vinbind.server;

import io.vinbind.server.broker.BrokerSecurity;
import io.vinbind.server.pki.Identity;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TestPki;
import io.vinbind.server.pki.TlsMaterial;
import io.vinbind.server.pki.TrustAnchors;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.tinylog.Logger;

/**
 * The server's view of its PKI directory ({@code --pki}, by default {@code data/pki}): the CAs it trusts for
 * terminals and services, the revoked serials, and its own certificate — {@code CN=svc:vinbind-server}, the
 * embedded broker's TLS identity and the server's MQTT client credential, with every address it listens on in
 * its subjectAltNames. On a first start with no PKI a test PKI is created and said so; an OEM's directory
 * without CA keys is used as it is (the server certificate must be there already).
 */
public final class ServerPki {

    /** The service name of the server's certificate. */
    public static final String SERVER_NAME = "vinbind-server";

    private final TestPki pki;
    private final TestPki.Issued server;

    private ServerPki(TestPki pki, TestPki.Issued server) {
        this.pki = pki;
        this.server = server;
    }

    /** Opens (or on first start creates) the PKI and makes sure the server's certificate covers its addresses. */
    static ServerPki prepare(ServerConfig config) throws PkiException {
        return prepare(config, ServerPki::interfaceAddresses);
    }

    /**
     * As {@link #prepare(ServerConfig)}; {@code interfaces} lists the machine's addresses, which the certificate
     * must cover when a listen address is the any-local one ({@code 0.0.0.0}, {@code ::}): terminals then reach
     * the server by any of them (tests pass a fixed list).
     */
    static ServerPki prepare(ServerConfig config, Supplier<List<InetAddress>> interfaces) throws PkiException {
        Path dir = config.pki();
        boolean created = !java.nio.file.Files.exists(dir.resolve(TestPki.TERMINAL_CA))
            && !java.nio.file.Files.exists(dir.resolve(TestPki.SERVICE_CA));
        TestPki pki = TestPki.openOrCreate(dir);
        if (created) {
            Logger.warn("created a TEST PKI in {} (terminal CA, service CA): fine for a bench; a fleet uses the OEM's"
                + " CAs (docs/security.md)", dir);
        }
        List<String> listen = List.of(config.mqttListen(), config.httpListen());
        List<InetAddress> addresses = certificateAddresses(listen, interfaces);
        List<InetAddress> named = certificateAddresses(listen, List::of); // the listen addresses given as such
        java.util.Optional<TestPki.Issued> existing = pki.issued(Identity.Kind.SERVICE, SERVER_NAME);
        boolean valid = existing.isPresent()
            && existing.get().certificate().getNotAfter().toInstant().isAfter(java.time.Instant.now());
        TestPki.Issued server;
        if (valid && covers(existing.get().certificate(), addresses)) {
            server = existing.get();
        } else if (!pki.canIssueServices() && valid && covers(existing.get().certificate(), named)) {
            // an OEM's certificate, made for the names terminals use: a listener on every address does not
            // make it invalid, but a terminal reaching the server by an address it does not name fails
            server = existing.get();
            Logger.warn("the server certificate {} does not name all of this machine's addresses {} (listening on {});"
                + " terminals must reach it by a name or address it holds", server.certificateFile(), addresses, listen);
        } else if (pki.canIssueServices()) {
            server = pki.issueServer(SERVER_NAME, List.of(), addresses);
            Logger.info("issued the server certificate {} for {}", server.certificateFile(), addresses);
        } else {
            throw new PkiException(PkiException.Reason.STATE, "no valid server certificate services/" + SERVER_NAME
                + ".pem covering " + addresses + " in " + dir + ", and no service CA key to issue one");
        }
        if (pki.canIssueTerminals() || pki.canIssueServices()) {
            pki.refreshCrls();
        }
        return new ServerPki(pki, server);
    }

    /**
     * The addresses the server certificate must name for these listen addresses: each one itself, or for the
     * any-local address ({@code 0.0.0.0}: every IPv4 address of the machine; {@code ::}: every address) the
     * addresses of the machine's interfaces, loopback included (127.0.0.1 is on every server certificate anyway).
     */
    static List<InetAddress> certificateAddresses(List<String> listen, Supplier<List<InetAddress>> interfaces) {
        List<InetAddress> addresses = new ArrayList<>();
        for (String host : listen) {
            InetAddress a;
            try {
                a = InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("listen address '" + host + "' does not resolve");
            }
            List<InetAddress> covered = List.of(a);
            if (a.isAnyLocalAddress()) {
                boolean v4Only = a instanceof Inet4Address;
                covered = interfaces.get().stream().filter(i -> !v4Only || i instanceof Inet4Address).toList();
            }
            for (InetAddress c : covered) {
                InetAddress plain = withoutScope(c);
                if (!plain.isAnyLocalAddress() && !addresses.contains(plain)) {
                    addresses.add(plain);
                }
            }
        }
        return addresses;
    }

    /**
     * The addresses of this machine's interfaces that are up, loopback included; link-local and multicast
     * addresses left out (they need a scope, and terminals do not reach a server by them).
     */
    static List<InetAddress> interfaceAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (!a.isLinkLocalAddress() && !a.isMulticastAddress() && !a.isAnyLocalAddress()) {
                        out.add(withoutScope(a));
                    }
                }
            }
        } catch (SocketException e) {
            Logger.warn("cannot list this machine's network interfaces ({}): the server certificate names loopback"
                + " only; name the listen address instead of 0.0.0.0", e.getMessage());
        }
        if (out.stream().noneMatch(InetAddress::isLoopbackAddress)) {
            out.add(InetAddress.getLoopbackAddress());
        }
        return out;
    }

    /** The address without an IPv6 scope id (a certificate names addresses by their bytes). */
    private static InetAddress withoutScope(InetAddress a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 bytes is always valid", e);
        }
    }

    private static boolean covers(X509Certificate cert, List<InetAddress> addresses) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) {
                return addresses.isEmpty();
            }
            for (InetAddress a : addresses) {
                boolean found = sans.stream().anyMatch(san -> Integer.valueOf(7).equals(san.get(0))
                    && a.getHostAddress().equalsIgnoreCase(String.valueOf(san.get(1))));
                if (!found && !a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** The PKI itself: issue terminal certificates (tests, the demo), revoke them. */
    public TestPki pki() {
        return pki;
    }

    public Path dir() {
        return pki.dir();
    }

    TrustAnchors anchors() {
        return pki.trustAnchors();
    }

    /** Re-read at every connect: a revocation applies to the next connection. */
    Set<BigInteger> revokedSerials() {
        try {
            return pki.revokedSerials();
        } catch (PkiException e) {
            throw new IllegalStateException("cannot read the revoked serials: " + e.getMessage(), e);
        }
    }

    /** Keeps the CRLs from expiring (a broker that checks an expired CRL refuses everyone). */
    void refreshCrls() {
        if (!pki.canIssueTerminals() && !pki.canIssueServices()) {
            return;
        }
        try {
            pki.refreshCrls();
        } catch (PkiException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                Logger.debug("CRL refresh in {} interrupted: the server is stopping", pki.dir());
            } else {
                Logger.error("could not refresh the CRLs in {}: {}", pki.dir(), e.getMessage());
            }
        }
    }

    BrokerSecurity.Tls brokerTls() {
        return new BrokerSecurity.Tls(server.certificateFile(), server.keyFile(),
            List.of(pki.terminalCaFile(), pki.serviceCaFile()));
    }

    /** The server as an MQTT client: its certificate; the broker's must chain to the service CA. */
    SSLContext clientContext() {
        try {
            return TlsMaterial.clientContext(pki.serviceCaFile(), server.certificateFile(), server.keyFile());
        } catch (PkiException e) {
            throw new IllegalStateException("cannot build the server's TLS client context: " + e.getMessage(), e);
        }
    }

    /** The HTTPS listener's context (no client certificates asked: the API uses bearer tokens). */
    SSLContext serverContext() {
        try {
            return TlsMaterial.serverContext(pki.serviceCaFile(), server.certificateFile(), server.keyFile());
        } catch (PkiException e) {
            throw new IllegalStateException("cannot build the HTTPS context: " + e.getMessage(), e);
        }
    }

    /** The server's certificate files. */
    public TestPki.Issued serverCertificate() {
        return server;
    }

    @Override
    public String toString() {
        return "ServerPki[" + pki.dir() + "]";
    }

}
