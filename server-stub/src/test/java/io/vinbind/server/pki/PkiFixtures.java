package io.vinbind.server.pki;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;

/** Certificates the PKI itself would never issue, signed by a test PKI's CAs, for the negative tests. */
final class PkiFixtures {

    private PkiFixtures() {
    }

    /** A subject from attribute pairs in encoding order, e.g. {@code subject("OU", "x", "CN", "y")}. */
    static X500Name subject(String... typesAndValues) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        for (int i = 0; i < typesAndValues.length; i += 2) {
            // as UTF8String, so that BouncyCastle's string parsing (a leading # means hex) does not get in the way
            b.addRDN(BCStyle.INSTANCE.attrNameToOID(typesAndValues[i]), new DERUTF8String(typesAndValues[i + 1]));
        }
        return b.build();
    }

    static PrivateKey terminalCaKey(TestPki pki) throws PkiException {
        return PemFiles.readPrivateKey(pki.dir().resolve(TestPki.TERMINAL_CA_KEY));
    }

    static PrivateKey serviceCaKey(TestPki pki) throws PkiException {
        return PemFiles.readPrivateKey(pki.dir().resolve(TestPki.SERVICE_CA_KEY));
    }

    /** A leaf valid from an hour ago for a year, signed by the PKI's terminal CA. */
    static X509Certificate terminalCaSigned(TestPki pki, X500Name subject, List<Extension> extensions) throws PkiException {
        KeyPair keys = Certificates.newKeyPair();
        Instant now = Instant.now();
        return Certificates.sign(pki.terminalCaCertificate(), terminalCaKey(pki), subject, keys.getPublic(),
            now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)), extensions);
    }

    static Path file(TestPki pki, String name) {
        return pki.dir().resolve(name);
    }
}
