package io.vinbind.esim.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An eUICC's identity: its EID, CERT.EUICC.ECDSA with SK.EUICC.ECDSA, the EUM certificate, and the CI
 * certificates it trusts. From the bench's generated PKI ({@link TestPki}) or from files — e.g. the public
 * GSMA SGP.26 test eUICC.
 */
public record EuiccCredentials(String eid, X509Certificate euiccCertificate, PrivateKey euiccKey,
                               X509Certificate eumCertificate, List<X509Certificate> trustedCis) {

    public EuiccCredentials {
        if (!Objects.requireNonNull(eid, "eid").matches("[0-9]{32}")) {
            throw new IllegalArgumentException("EID must be 32 digits, got '" + eid + "'");
        }
        Objects.requireNonNull(euiccCertificate, "euiccCertificate");
        Objects.requireNonNull(euiccKey, "euiccKey");
        Objects.requireNonNull(eumCertificate, "eumCertificate");
        trustedCis = List.copyOf(trustedCis);
        if (trustedCis.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted CI certificate is needed");
        }
    }

    /**
     * Loads an identity from PEM (or DER) files; the EID is read from the eUICC certificate's subject
     * serialNumber, and the chain is checked so a wrong combination of files is refused up front.
     */
    public static EuiccCredentials fromFiles(Path euiccCert, Path euiccKey, Path eumCert, List<Path> ciCerts)
        throws IOException, CertificateCheckException {
        X509Certificate euicc = Pem.readCertificate(euiccCert);
        X509Certificate eum = Pem.readCertificate(eumCert);
        List<X509Certificate> cis = new ArrayList<>();
        for (Path p : ciCerts) {
            cis.addAll(Pem.readCertificates(p));
        }
        // key ids, signatures, policies and the EID range are checked; validity at the eUICC certificate's own
        // start, because published test identities (SGP.26) are used beyond their dates on benches
        Sgp22CertPath.EuiccChain chain = Sgp22CertPath.checkEuicc(der(euicc), der(eum), cis,
            new java.util.Date(euicc.getNotBefore().getTime() + 1000));
        if (euicc.getNotAfter().before(new java.util.Date())) {
            org.tinylog.Logger.warn("eUICC certificate {} expired on {}; loaded anyway for the bench", euiccCert,
                euicc.getNotAfter().toInstant());
        }
        return new EuiccCredentials(chain.eid(), euicc, Pem.readPrivateKey(euiccKey), eum, cis);
    }

    /** The eUICC with {@code eid} from a directory written by {@link TestPki#writeTo}. */
    public static EuiccCredentials fromPkiDirectory(Path dir, String eid) throws IOException, CertificateCheckException {
        return fromFiles(dir.resolve(TestPki.euiccCertFile(eid)), dir.resolve(TestPki.euiccKeyFile(eid)),
            dir.resolve(TestPki.EUM_CERT), List.of(dir.resolve(TestPki.CI_CERT)));
    }

    static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public byte[] euiccCertificateDer() {
        return der(euiccCertificate);
    }

    public byte[] eumCertificateDer() {
        return der(eumCertificate);
    }
}
