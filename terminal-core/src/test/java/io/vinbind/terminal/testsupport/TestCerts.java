package io.vinbind.terminal.testsupport;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates and keys made with BouncyCastle (test scope only; the daemon reads them with the JDK): CAs,
 * terminal and broker certificates in the identity model of docs/security.md, and keys in every PEM form —
 * the PKCS#8 the daemon reads and the encrypted and traditional forms it refuses. Nothing is checked in: every
 * test makes its own.
 */
public final class TestCerts {

    public static final String TERMINAL_OU = "vinbind-terminal";
    public static final String SERVICE_OU = "vinbind-service";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private TestCerts() {
    }

    /** A certificate with its key pair. */
    public record Issued(X509Certificate certificate, KeyPair keys, List<X509Certificate> issuers) {
        /** Leaf first, then its issuers. */
        public List<X509Certificate> chain() {
            List<X509Certificate> c = new ArrayList<>();
            c.add(certificate);
            c.addAll(issuers);
            return c;
        }
    }

    public static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair rsaKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048, RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A subject from attribute pairs in encoding order, e.g. {@code subject("OU", "x", "CN", "y")}. */
    public static X500Name subject(String... typesAndValues) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE);
        for (int i = 0; i < typesAndValues.length; i += 2) {
            b.addRDN(BCStyle.INSTANCE.attrNameToOID(typesAndValues[i]), new DERUTF8String(typesAndValues[i + 1]));
        }
        return b.build();
    }

    /** A self-signed CA (CA:true, pathlen 0, keyCertSign), P-256, valid from an hour ago for ten years. */
    public static Issued ca(String cn) {
        KeyPair keys = ecKeys();
        X500Name name = subject("OU", "vinbind test", "CN", cn);
        return new Issued(build(name, keys.getPublic(), name, keys.getPrivate(), null, true, null, List.of(), List.of(),
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(3650))), keys, List.of());
    }

    /** A terminal's certificate: {@code CN=<id>, OU=vinbind-terminal}, clientAuth, P-256, issued by {@code ca}. */
    public static Issued terminal(Issued ca, String terminalId) {
        return leaf(ca, subject("OU", TERMINAL_OU, "CN", terminalId), ecKeys(), KeyPurposeId.id_kp_clientAuth,
                List.of(), List.of());
    }

    /**
     * A server's certificate: {@code CN=svc:<name>, OU=vinbind-service}, serverAuth and clientAuth, with the given
     * DNS and IP subjectAltNames.
     */
    public static Issued server(Issued ca, String name, List<String> dns, List<String> ips) {
        return leaf(ca, subject("OU", SERVICE_OU, "CN", "svc:" + name), ecKeys(), null, dns, ips);
    }

    /** A service's client certificate: {@code CN=svc:<name>, OU=vinbind-service}, clientAuth. */
    public static Issued service(Issued ca, String name) {
        return leaf(ca, subject("OU", SERVICE_OU, "CN", "svc:" + name), ecKeys(), KeyPurposeId.id_kp_clientAuth,
                List.of(), List.of());
    }

    /**
     * A leaf with any subject and keys; {@code eku} null means serverAuth + clientAuth, valid from an hour ago for
     * a year.
     */
    public static Issued leaf(Issued ca, X500Name subject, KeyPair keys, KeyPurposeId eku, List<String> dns,
            List<String> ips) {
        return leaf(ca, subject, keys, eku, dns, ips, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(365)));
    }

    public static Issued leaf(Issued ca, X500Name subject, KeyPair keys, KeyPurposeId eku, List<String> dns,
            List<String> ips, Instant notBefore, Instant notAfter) {
        X500Name issuer = X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
        X509Certificate c = build(subject, keys.getPublic(), issuer, ca.keys().getPrivate(), ca.certificate(), false,
                eku, dns, ips, notBefore, notAfter);
        return new Issued(c, keys, ca.chain());
    }

    private static X509Certificate build(X500Name subject, java.security.PublicKey publicKey, X500Name issuer,
            PrivateKey issuerKey, X509Certificate issuerCert, boolean isCa, KeyPurposeId eku, List<String> dns,
            List<String> ips, Instant notBefore, Instant notAfter) {
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(
                    BigInteger.ONE), Date.from(notBefore), Date.from(notAfter), subject, publicKey);
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
            if (issuerCert != null) {
                b.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerCert));
            }
            if (isCa) {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                        | KeyUsage.keyEncipherment));
                b.addExtension(Extension.extendedKeyUsage, false, eku == null
                        ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth,
                            KeyPurposeId.id_kp_clientAuth})
                        : new ExtendedKeyUsage(eku));
                List<GeneralName> names = new ArrayList<>();
                dns.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
                ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
                if (!names.isEmpty()) {
                    b.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)));
                }
            }
            String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(
                    new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot make a test certificate: " + e, e);
        }
    }

    /** A JDK TLS context presenting {@code identity} (its chain) and trusting {@code trusted}, for test peers. */
    public static javax.net.ssl.SSLContext sslContext(Issued identity, List<X509Certificate> trusted) {
        try {
            char[] pw = "test".toCharArray();
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("id", identity.keys().getPrivate(), pw, identity.chain().toArray(X509Certificate[]::new));
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pw);
            java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                trust.setCertificateEntry("ca-" + i, trusted.get(i));
            }
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
            c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return c;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make a test TLS context: " + e, e);
        }
    }

    // ---------------------------------------------------------------- PEM files

    /** Certificates as PEM, mode 0644. */
    public static Path writeCerts(Path file, List<X509Certificate> certs) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
        }
        return write(file, out.toString(), "rw-r--r--");
    }

    /** The key as unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}), with the given mode (e.g. {@code rw-------}). */
    public static Path writePkcs8(Path file, PrivateKey key, String mode) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(key, null));
        }
        return write(file, out.toString(), mode);
    }

    /** The key as PKCS#8 encrypted with a passphrase ({@code BEGIN ENCRYPTED PRIVATE KEY}), mode 0600. */
    public static Path writeEncryptedPkcs8(Path file, PrivateKey key, String passphrase) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(new JcaPKCS8Generator(key, new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setProvider(BC).setPassword(passphrase.toCharArray()).build()));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException(e);
        }
        return write(file, out.toString(), "rw-------");
    }

    /** The key in its traditional form: SEC1 {@code EC PRIVATE KEY} or PKCS#1 {@code RSA PRIVATE KEY}, mode 0600. */
    public static Path writeTraditional(Path file, KeyPair keys) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(keys);
        }
        return write(file, out.toString(), "rw-------");
    }

    /** The traditional form encrypted the OpenSSL way ({@code Proc-Type: 4,ENCRYPTED}), mode 0600. */
    public static Path writeEncryptedTraditional(Path file, KeyPair keys, String passphrase) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(keys, new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(BC)
                    .build(passphrase.toCharArray()));
        }
        return write(file, out.toString(), "rw-------");
    }

    public static Path write(Path file, String text, String mode) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    /**
     * A terminal's files as a factory installs them, in {@code dir}: {@code ca.pem} (the service CA, for the
     * broker), {@code terminal.pem} (chain) and {@code terminal.key} (PKCS#8, 0600); plus the CAs and the broker's
     * certificate for a test broker.
     */
    public record TerminalFiles(Path dir, Issued serviceCa, Issued terminalCa, Issued terminal, String terminalId) {
        public Path caFile() {
            return dir.resolve("ca.pem");
        }

        public Path certFile() {
            return dir.resolve("terminal.pem");
        }

        public Path keyFile() {
            return dir.resolve("terminal.key");
        }
    }

    /** Makes both CAs and a terminal certificate for {@code terminalId}, written to {@code dir}. */
    public static TerminalFiles terminalFiles(Path dir, String terminalId) throws IOException {
        Issued serviceCa = ca("vinbind test service CA");
        Issued terminalCa = ca("vinbind test terminal CA");
        Issued terminal = terminal(terminalCa, terminalId);
        TerminalFiles f = new TerminalFiles(dir, serviceCa, terminalCa, terminal, terminalId);
        writeCerts(f.caFile(), List.of(serviceCa.certificate()));
        writeCerts(f.certFile(), terminal.chain());
        writePkcs8(f.keyFile(), terminal.keys().getPrivate(), "rw-------");
        return f;
    }
}
