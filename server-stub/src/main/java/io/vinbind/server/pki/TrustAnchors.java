package io.vinbind.server.pki;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The CAs a listener trusts, each for one kind of party: terminal CAs vouch only for terminal identities, service
 * CAs only for service identities. Keeping the roles apart is what stops whoever runs the terminal factory (and
 * holds the terminal CA key) from minting a {@code svc:} certificate that the broker would take for a server.
 * An OEM that signs both kinds with one CA lists it in both.
 *
 * @param terminalCas CAs whose certificates may name terminals
 * @param serviceCas CAs whose certificates may name services
 */
public record TrustAnchors(List<X509Certificate> terminalCas, List<X509Certificate> serviceCas) {

    public TrustAnchors {
        terminalCas = List.copyOf(Objects.requireNonNull(terminalCas, "terminalCas"));
        serviceCas = List.copyOf(Objects.requireNonNull(serviceCas, "serviceCas"));
        if (terminalCas.isEmpty() && serviceCas.isEmpty()) {
            throw new IllegalArgumentException("no trusted CA at all");
        }
        for (X509Certificate ca : all(terminalCas, serviceCas)) {
            if (ca.getBasicConstraints() < 0) {
                throw new IllegalArgumentException("trusted CA " + Certificates.describe(ca)
                    + " is not a CA certificate (no basicConstraints CA:true)");
            }
        }
    }

    /** Every trusted CA, terminal CAs first, without repeats. */
    public List<X509Certificate> all() {
        return all(terminalCas, serviceCas);
    }

    /** Whether {@code ca} may vouch for an identity of this kind. */
    public boolean mayIssue(X509Certificate ca, Identity.Kind kind) {
        return (kind == Identity.Kind.TERMINAL ? terminalCas : serviceCas).contains(ca);
    }

    private static List<X509Certificate> all(List<X509Certificate> a, List<X509Certificate> b) {
        List<X509Certificate> out = new ArrayList<>(a);
        for (X509Certificate c : b) {
            if (!out.contains(c)) {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }
}
