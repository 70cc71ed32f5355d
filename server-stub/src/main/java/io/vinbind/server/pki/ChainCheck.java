package io.vinbind.server.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks a certificate chain a party presents and says whom it identifies, or exactly why not.
 *
 * <p>The checks, in order, each with its own {@link PkiException.Reason}: the chain's top was issued by one of
 * the trusted CAs ({@code UNKNOWN_ISSUER}: a foreign CA, or one with a trusted CA's name but another key); the leaf
 * and the CA are within their validity at {@code now} ({@code EXPIRED}, {@code NOT_YET_VALID}); the PKIX path
 * validates (RFC 5280 §6 with the JDK's {@link CertPathValidator}: signatures, basicConstraints, CA keyUsage;
 * {@code INVALID_CHAIN}); no certificate of the path is in the revoked set ({@code REVOKED}: revocation is by the
 * given serials, never fetched over the network, so a broker that cannot reach a CRL server still decides); the
 * leaf is an end-entity with keyUsage digitalSignature and the extended key usage of the {@link Purpose}
 * ({@code WRONG_USAGE}, RFC 5280 §4.2.1.3/§4.2.1.12); its subject fits {@link Identity#of}
 * ({@code NOT_IN_MODEL}).
 *
 * <p>Revoked serials are matched whatever CA issued the certificate (RFC 5280 scopes a serial to its issuer):
 * serials of the vinbind PKI are random 128-bit numbers, so this does not confuse two certificates in practice.
 */
public final class ChainCheck {

    /** What the leaf is being used for: the extended key usage it must carry (RFC 5280 §4.2.1.12). */
    public enum Purpose {
        /** A TLS client: a terminal, a tool, or a server connecting to the broker. EKU clientAuth. */
        CLIENT("1.3.6.1.5.5.7.3.2", "TLS client authentication (clientAuth)"),
        /** A TLS server: only a service certificate. EKU serverAuth. */
        SERVER("1.3.6.1.5.5.7.3.1", "TLS server authentication (serverAuth)");

        private final String oid;
        private final String description;

        Purpose(String oid, String description) {
            this.oid = oid;
            this.description = description;
        }
    }

    private static final Map<String, String> EKU_NAMES = Map.of(
        "1.3.6.1.5.5.7.3.1", "serverAuth", "1.3.6.1.5.5.7.3.2", "clientAuth", "1.3.6.1.5.5.7.3.3", "codeSigning",
        "1.3.6.1.5.5.7.3.4", "emailProtection", "1.3.6.1.5.5.7.3.8", "timeStamping", "1.3.6.1.5.5.7.3.9",
        "OCSPSigning", "2.5.29.37.0", "anyExtendedKeyUsage");

    private ChainCheck() {
    }

    /**
     * Verifies a TLS client's chain ({@link Purpose#CLIENT}) against any of the trusted CAs. This does not bind
     * identities to CAs: any of {@code trustedCas} may vouch for a terminal or a service. Where the terminal CA
     * and the service CA are both trusted (the broker), use {@link #verify(X509Certificate[], TrustAnchors, Set,
     * Instant, Purpose)}, which does.
     *
     * @param chain the presented chain, leaf first; trusted CA certificates in it are ignored
     * @param trustedCas the trust anchors
     * @param revoked serials that are refused
     * @param now the time to check validity at
     * @return the identity the leaf speaks for
     * @throws PkiException saying why the chain is refused
     */
    public static Identity verify(X509Certificate[] chain, Collection<X509Certificate> trustedCas, Set<BigInteger> revoked,
                                  Instant now) throws PkiException {
        return verify(chain, trustedCas, revoked, now, Purpose.CLIENT);
    }

    /** As {@link #verify(X509Certificate[], Collection, Set, Instant)}, for the given purpose. */
    public static Identity verify(X509Certificate[] chain, Collection<X509Certificate> trustedCas, Set<BigInteger> revoked,
                                  Instant now, Purpose purpose) throws PkiException {
        return check(chain, trustedCas, revoked, now, purpose).identity;
    }

    /**
     * Verifies a chain and that the CA it chains to may vouch for the identity's kind: a terminal identity only
     * through one of {@link TrustAnchors#terminalCas()}, a service identity only through one of
     * {@link TrustAnchors#serviceCas()} ({@code NOT_IN_MODEL} otherwise). This is the check for a broker that
     * accepts terminals and services on one listener.
     */
    public static Identity verify(X509Certificate[] chain, TrustAnchors anchors, Set<BigInteger> revoked, Instant now,
                                  Purpose purpose) throws PkiException {
        Objects.requireNonNull(anchors, "anchors");
        Checked checked = check(chain, anchors.all(), revoked, now, purpose);
        Identity id = checked.identity;
        if (!anchors.mayIssue(checked.anchor, id.kind())) {
            throw new PkiException(PkiException.Reason.NOT_IN_MODEL, "certificate " + Certificates.describe(chain[0])
                + " names " + id.kind().name().toLowerCase(Locale.ROOT) + " '" + id.commonName()
                + "' but was issued by " + Certificates.describe(checked.anchor) + ", which is not trusted for "
                + id.kind().name().toLowerCase(Locale.ROOT) + " identities");
        }
        return id;
    }

    private record Checked(Identity identity, X509Certificate anchor) {
    }

    private static Checked check(X509Certificate[] chain, Collection<X509Certificate> trustedCas, Set<BigInteger> revoked,
                                 Instant now, Purpose purpose) throws PkiException {
        Objects.requireNonNull(trustedCas, "trustedCas");
        Objects.requireNonNull(revoked, "revoked");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(purpose, "purpose");
        if (trustedCas.isEmpty()) {
            throw new IllegalArgumentException("no trusted CA to verify against");
        }
        if (chain == null || chain.length == 0) {
            throw new PkiException(PkiException.Reason.INVALID_CHAIN, "no certificate presented");
        }
        Set<X509Certificate> trusted = new HashSet<>(trustedCas);
        X509Certificate leaf = Objects.requireNonNull(chain[0], "chain[0]");
        if (trusted.contains(leaf)) {
            throw new PkiException(PkiException.Reason.WRONG_USAGE, "certificate " + Certificates.describe(leaf)
                + " is a trusted CA certificate, not a terminal's or a service's");
        }
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate c : chain) {
            if (!trusted.contains(Objects.requireNonNull(c, "chain element"))) {
                path.add(c);
            }
        }

        X509Certificate anchor = issuerOf(path.get(path.size() - 1), trusted);
        checkValidity(leaf, now, "certificate");
        checkValidity(anchor, now, "the trusted CA certificate");
        anchor = validate(path, trusted, now).getTrustAnchor().getTrustedCert();
        for (X509Certificate c : path) {
            if (revoked.contains(c.getSerialNumber())) {
                throw new PkiException(PkiException.Reason.REVOKED, "certificate " + Certificates.describe(c) + " is revoked");
            }
        }
        checkUsage(leaf, purpose);
        Identity identity = Identity.of(leaf);
        if (purpose == Purpose.SERVER && identity.kind() != Identity.Kind.SERVICE) {
            throw new PkiException(PkiException.Reason.WRONG_USAGE, "certificate " + Certificates.describe(leaf)
                + " is a terminal's; only a service certificate identifies a server");
        }
        return new Checked(identity, anchor);
    }

    /** The trusted CA that signed {@code top}: found by name, confirmed by signature. */
    private static X509Certificate issuerOf(X509Certificate top, Set<X509Certificate> trusted) throws PkiException {
        boolean sameName = false;
        for (X509Certificate ca : trusted) {
            if (ca.getSubjectX500Principal().equals(top.getIssuerX500Principal())) {
                sameName = true;
                try {
                    top.verify(ca.getPublicKey());
                    return ca;
                } catch (GeneralSecurityException e) {
                    // another CA of the same name may still have signed it; if none did, said below
                }
            }
        }
        String issuer = "'" + Identity.printable(top.getIssuerX500Principal().getName()) + "'";
        if (sameName) {
            throw new PkiException(PkiException.Reason.UNKNOWN_ISSUER, "certificate " + Certificates.describe(top)
                + " names the trusted CA " + issuer + " as its issuer but is signed by another key (a foreign CA with"
                + " the same name)");
        }
        throw new PkiException(PkiException.Reason.UNKNOWN_ISSUER, "certificate " + Certificates.describe(top)
            + " was issued by " + issuer + ", which is not a trusted CA (a foreign CA?)");
    }

    private static void checkValidity(X509Certificate c, Instant now, String what) throws PkiException {
        Instant notAfter = c.getNotAfter().toInstant();
        Instant notBefore = c.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            throw new PkiException(PkiException.Reason.EXPIRED, what + " " + Certificates.describe(c) + " expired at "
                + notAfter + " (now " + now + ")");
        }
        if (now.isBefore(notBefore)) {
            throw new PkiException(PkiException.Reason.NOT_YET_VALID, what + " " + Certificates.describe(c)
                + " is not valid before " + notBefore + " (now " + now + ")");
        }
    }

    private static PKIXCertPathValidatorResult validate(List<X509Certificate> path, Set<X509Certificate> trusted,
                                                        Instant now) throws PkiException {
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : trusted) {
                anchors.add(new TrustAnchor(ca, null));
            }
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false); // revocation: the given serials, checked after the path
            params.setDate(Date.from(now));
            return (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, params);
        } catch (CertPathValidatorException e) {
            String where = e.getIndex() >= 0 && e.getIndex() < path.size()
                ? "certificate " + Certificates.describe(path.get(e.getIndex())) : "the chain";
            PkiException.Reason reason;
            if (e.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                reason = PkiException.Reason.EXPIRED;
            } else if (e.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                reason = PkiException.Reason.NOT_YET_VALID;
            } else if (e.getReason() == PKIXReason.NO_TRUST_ANCHOR) {
                reason = PkiException.Reason.UNKNOWN_ISSUER;
            } else {
                reason = PkiException.Reason.INVALID_CHAIN;
            }
            throw new PkiException(reason, where + " does not validate (RFC 5280 path validation): " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new PkiException(PkiException.Reason.INVALID_CHAIN, "the chain cannot be validated: " + e, e);
        }
    }

    private static void checkUsage(X509Certificate leaf, Purpose purpose) throws PkiException {
        String which = "certificate " + Certificates.describe(leaf);
        if (leaf.getBasicConstraints() >= 0) {
            throw new PkiException(PkiException.Reason.WRONG_USAGE, which + " is a CA certificate, not an end entity's");
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage == null || keyUsage.length == 0 || !keyUsage[0]) {
            throw new PkiException(PkiException.Reason.WRONG_USAGE, which + (keyUsage == null
                ? " has no keyUsage extension" : " has a keyUsage without digitalSignature")
                + "; a TLS peer signs the handshake, so digitalSignature is required (RFC 5280 §4.2.1.3)");
        }
        List<String> eku;
        try {
            eku = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new PkiException(PkiException.Reason.WRONG_USAGE, which + " has an unreadable extendedKeyUsage: "
                + e.getMessage(), e);
        }
        if (eku == null) {
            throw new PkiException(PkiException.Reason.WRONG_USAGE, which + " has no extendedKeyUsage; "
                + purpose.description + " is required");
        }
        if (!eku.contains(purpose.oid)) {
            List<String> names = new ArrayList<>();
            for (String oid : eku) {
                names.add(EKU_NAMES.getOrDefault(oid, oid));
            }
            throw new PkiException(PkiException.Reason.WRONG_USAGE, which + " is not for " + purpose.description
                + ": its extendedKeyUsage is " + names);
        }
    }
}
