package io.vinbind.server.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds keys, certificates and CRLs with BouncyCastle on the JDK's own crypto providers (no provider is
 * registered): P-256 keys, ECDSA with SHA-256, random 128-bit serials, subject and authority key identifiers on
 * every certificate (RFC 5280 §4.2.1.1/2). Package-private: {@link TestPki} decides what is issued; tests use
 * {@link #sign} directly to build certificates the model refuses.
 */
final class Certificates {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {
    }

    /** A fresh P-256 (secp256r1) key pair. */
    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    /** A random positive 128-bit serial (RFC 5280 §4.1.2.2: positive, at most 20 octets, unique per CA). */
    static BigInteger newSerial() {
        BigInteger serial;
        do {
            serial = new BigInteger(128, RANDOM);
        } while (serial.signum() == 0);
        return serial;
    }

    /**
     * {@code O=..., OU=..., CN=...} in that (encoding) order, each a UTF8String (RFC 5280 §4.1.2.4); null parts
     * are left out.
     */
    static X500Name name(String organization, String organizationalUnit, String commonName) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        if (organization != null) {
            b.addRDN(BCStyle.O, new DERUTF8String(organization));
        }
        if (organizationalUnit != null) {
            b.addRDN(BCStyle.OU, new DERUTF8String(organizationalUnit));
        }
        b.addRDN(BCStyle.CN, new DERUTF8String(commonName));
        return b.build();
    }

    /** CA extensions: basicConstraints CA:true pathLen 0, keyUsage keyCertSign + cRLSign, both critical. */
    static List<Extension> caExtensions() {
        return List.of(
            extension(Extension.basicConstraints, true, new BasicConstraints(0)),
            extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)));
    }

    /** Terminal (and tool) extensions: not a CA, keyUsage digitalSignature, EKU clientAuth only. */
    static List<Extension> clientExtensions() {
        return List.of(
            extension(Extension.basicConstraints, true, new BasicConstraints(false)),
            extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature)),
            extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)));
    }

    /**
     * Server extensions: not a CA, keyUsage digitalSignature, EKU serverAuth + clientAuth (one certificate is the
     * broker's TLS identity and the server's MQTT client credential), subjectAltNames (RFC 5280 §4.2.1.6).
     */
    static List<Extension> serverExtensions(List<String> dnsNames, List<InetAddress> addresses) {
        List<GeneralName> names = new ArrayList<>();
        for (String dns : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, dns));
        }
        for (InetAddress a : addresses) {
            names.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress()));
        }
        return List.of(
            extension(Extension.basicConstraints, true, new BasicConstraints(false)),
            extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature)),
            extension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})),
            extension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new))));
    }

    static Extension extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
        try {
            return new Extension(oid, critical, value.toASN1Primitive().getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode extension " + oid, e);
        }
    }

    /**
     * Signs a certificate.
     *
     * @param issuer the issuing CA's certificate, or null for a self-signed certificate (then {@code subject}
     *     is also the issuer and {@code issuerKey} belongs to {@code subjectKey})
     * @param extensions everything but the key identifiers, which are added here: the subject key identifier
     *     from {@code subjectKey} (RFC 5280 §4.2.1.2 method 1) and the authority key identifier copied from the
     *     issuer's own subject key identifier, so that it matches whatever method the issuer's CA used
     */
    static X509Certificate sign(X509Certificate issuer, PrivateKey issuerKey, X500Name subject, PublicKey subjectKey,
                                Instant notBefore, Instant notAfter, List<Extension> extensions) throws PkiException {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            SubjectKeyIdentifier ski = utils.createSubjectKeyIdentifier(subjectKey);
            X500Name issuerName = issuer == null ? subject : X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, newSerial(), Date.from(notBefore),
                Date.from(notAfter), subject, subjectKey);
            for (Extension e : extensions) {
                b.addExtension(e);
            }
            b.addExtension(Extension.subjectKeyIdentifier, false, ski);
            b.addExtension(Extension.authorityKeyIdentifier, false,
                issuer == null ? new AuthorityKeyIdentifier(ski.getKeyIdentifier()) : authorityKeyIdentifier(issuer));
            return new JcaX509CertificateConverter().getCertificate(b.build(signer(issuerKey)));
        } catch (GeneralSecurityException | CertIOException e) {
            throw new PkiException(PkiException.Reason.INVALID_CHAIN, "cannot issue a certificate for " + subject + ": " + e, e);
        }
    }

    /**
     * Signs a CRL (RFC 5280 §5) with the authority key identifier and CRL number extensions it requires.
     *
     * @param revoked serial → revocation time
     */
    static X509CRL signCrl(X509Certificate ca, PrivateKey caKey, Map<BigInteger, Instant> revoked, BigInteger number,
                           Instant thisUpdate, Instant nextUpdate) throws PkiException {
        try {
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(ca, Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (Map.Entry<BigInteger, Instant> e : revoked.entrySet()) {
                b.addCRLEntry(e.getKey(), Date.from(e.getValue()), null);
            }
            b.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyIdentifier(ca));
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            return new JcaX509CRLConverter().getCRL(b.build(signer(caKey)));
        } catch (GeneralSecurityException | CertIOException e) {
            throw new PkiException(PkiException.Reason.INVALID_CHAIN, "cannot sign the CRL of "
                + ca.getSubjectX500Principal() + ": " + e, e);
        }
    }

    /** The CRL number of a CRL (RFC 5280 §5.2.3), or zero when it has none. */
    static BigInteger crlNumber(X509CRL crl) {
        byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
        if (ext == null) {
            return BigInteger.ZERO;
        }
        return CRLNumber.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getCRLNumber();
    }

    /** Whether {@code key} is the private half of the certificate's public key (a signature round trip). */
    static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        if (!key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            RANDOM.nextBytes(challenge);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(certificate.getPublicKey());
            v.update(challenge);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static AuthorityKeyIdentifier authorityKeyIdentifier(X509Certificate issuer) throws GeneralSecurityException {
        byte[] ext = issuer.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (ext != null) {
            byte[] id = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
            return new AuthorityKeyIdentifier(id);
        }
        return new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.getPublicKey());
    }

    private static ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            return new JcaContentSignerBuilder(algorithm).build(key);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with a " + key.getAlgorithm() + " key: " + e.getMessage(), e);
        }
    }

    /** A serial as upper-case hex, the way the CLI, revoked.txt and {@code openssl x509 -serial} show it. */
    static String hex(BigInteger serial) {
        return serial.toString(16).toUpperCase(Locale.ROOT);
    }

    /** For messages: the certificate's subject and serial. */
    static String describe(X509Certificate c) {
        return "'" + Identity.printable(c.getSubjectX500Principal().getName()) + "' (serial "
            + hex(c.getSerialNumber()) + ")";
    }
}
