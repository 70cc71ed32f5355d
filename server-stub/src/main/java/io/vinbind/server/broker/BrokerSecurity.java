package io.vinbind.server.broker;

import io.vinbind.server.pki.Identity;
import io.vinbind.server.pki.TrustAnchors;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Who the embedded broker lets in and how it knows them.
 *
 * @param tls the listener's TLS material; empty for the insecure plaintext listener (loopback only), where
 *     identities are MQTT user names
 * @param anchors the CAs terminals and services are issued by
 * @param revokedSerials the certificate serials refused, read at every connect (the PKI's CRLs)
 * @param terminalRevoked whether a terminal id is revoked in the server's database, asked at every connect
 * @param servicePassword what a service must give as password on the plaintext listener (only the server
 *     knows it); unused with TLS
 * @param serverServices the service names (without {@code svc:}) that are binding servers and get the server's
 *     MQTT permissions (take requests through the shared group, publish answers), as Mosquitto's
 *     {@code plugin_opt_service_users}; any other service (a factory or after-sales tool) is let in with no
 *     permission at all: tools use the HTTP API
 */
public record BrokerSecurity(Optional<Tls> tls, TrustAnchors anchors, Supplier<Set<BigInteger>> revokedSerials,
                             Predicate<String> terminalRevoked, char[] servicePassword, Set<String> serverServices) {

    /**
     * @param certificateChain the broker's certificate (a service certificate with serverAuth) and its chain, PEM
     * @param key its private key, PKCS#8 PEM
     * @param clientCas the CAs a client certificate may chain to (terminal and service CAs), PEM
     */
    public record Tls(Path certificateChain, Path key, java.util.List<Path> clientCas) {
        public Tls {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(key, "key");
            clientCas = java.util.List.copyOf(clientCas);
            if (clientCas.isEmpty()) {
                throw new IllegalArgumentException("a TLS listener needs at least one client CA");
            }
        }
    }

    public BrokerSecurity {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(anchors, "anchors");
        Objects.requireNonNull(revokedSerials, "revokedSerials");
        Objects.requireNonNull(terminalRevoked, "terminalRevoked");
        servicePassword = Objects.requireNonNull(servicePassword, "servicePassword").clone();
        serverServices = Set.copyOf(serverServices);
        if (serverServices.isEmpty()) {
            throw new IllegalArgumentException("no service is named as the binding server");
        }
        for (String name : serverServices) {
            Identity.requireName(Identity.Kind.SERVICE, name);
        }
    }

    /** True when the service {@code name} (without {@code svc:}) is a binding server. */
    public boolean isServer(String name) {
        return serverServices.contains(name);
    }

    public boolean plaintext() {
        return tls.isEmpty();
    }

    @Override
    public char[] servicePassword() {
        return servicePassword.clone();
    }
}
