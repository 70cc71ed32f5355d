package io.vinbind.esim.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * An SM-DP+'s identity: the DPauth (ES9+ authentication), DPpb (profile binding) and DPtls (HTTPS)
 * certificates with their keys, its address and OID, and the CIs it trusts for eUICC chains.
 */
public record SmdpCredentials(String address, String smdpOid, X509Certificate dpAuth, PrivateKey dpAuthKey,
                              X509Certificate dpPb, PrivateKey dpPbKey, X509Certificate dpTls, PrivateKey dpTlsKey,
                              List<X509Certificate> trustedCis) {

    public SmdpCredentials {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(smdpOid, "smdpOid");
        Objects.requireNonNull(dpAuth, "dpAuth");
        Objects.requireNonNull(dpAuthKey, "dpAuthKey");
        Objects.requireNonNull(dpPb, "dpPb");
        Objects.requireNonNull(dpPbKey, "dpPbKey");
        Objects.requireNonNull(dpTls, "dpTls");
        Objects.requireNonNull(dpTlsKey, "dpTlsKey");
        trustedCis = List.copyOf(trustedCis);
    }

    /** Loads the SM-DP+ files of a directory written by {@link TestPki#writeTo}; address and OID from the certificates. */
    public static SmdpCredentials fromPkiDirectory(Path dir) throws IOException {
        X509Certificate auth = Pem.readCertificate(dir.resolve("dpauth.pem"));
        X509Certificate tls = Pem.readCertificate(dir.resolve("dptls.pem"));
        String oid = Sgp22CertPath.smdpOid(auth);
        if (oid == null) {
            throw new IOException(dir.resolve("dpauth.pem") + ": no SM-DP+ OID (subjectAltName registeredID)");
        }
        return new SmdpCredentials(TestPki.dnsName(tls), oid, auth, Pem.readPrivateKey(dir.resolve("dpauth.key.pem")),
            Pem.readCertificate(dir.resolve("dppb.pem")), Pem.readPrivateKey(dir.resolve("dppb.key.pem")), tls,
            Pem.readPrivateKey(dir.resolve("dptls.key.pem")), Pem.readCertificates(dir.resolve(TestPki.CI_CERT)));
    }
}
