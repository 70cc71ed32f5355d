package io.vinbind.esim.pki;

import io.vinbind.esim.crypto.Ecc;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The bench's own RSP test PKI, with the SGP.22 certificate profiles (§4.5.2): a self-signed CI; an EUM
 * under it whose name constraint limits it to EIDs with its prefix; eUICCs under the EUM (subject
 * serialNumber = EID); and the SM-DP+'s DPauth, DPpb (subjectAltName registeredID = the SM-DP+ OID) and
 * DPtls (dNSName = its address, serverAuth) directly under the CI. All keys are P-256, all certificates
 * ecdsa-with-SHA256 with subject and authority key identifiers. {@link #writeTo} writes PEM files, private
 * keys readable by their owner only.
 */
public final class TestPki {

    public static final String CI_CERT = "ci.pem";
    public static final String CI_KEY = "ci.key.pem";
    public static final String EUM_CERT = "eum.pem";
    public static final String EUM_KEY = "eum.key.pem";
    public static final String PROPERTIES = "pki.properties";
    /** The EUM's EID prefix (the SGP.26 test EUM's, 89049032). */
    public static final String DEFAULT_EID_PREFIX = "89049032";
    public static final String DEFAULT_SMDP_ADDRESS = "smdp.vinbind.test";
    private static final String EUM_ORG = "vinbind Test EUM";
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair ciKeys;
    private final X509Certificate ci;
    private final KeyPair eumKeys;
    private final X509Certificate eum;
    private final String eidPrefix;
    private final Map<String, KeyPair> euiccKeys = new LinkedHashMap<>();
    private final Map<String, X509Certificate> euiccs = new LinkedHashMap<>();
    private final String smdpAddress;
    private final String smdpOid;
    private final KeyPair dpAuthKeys;
    private final X509Certificate dpAuth;
    private final KeyPair dpPbKeys;
    private final X509Certificate dpPb;
    private final KeyPair dpTlsKeys;
    private final X509Certificate dpTls;
    private final Date notBefore;
    private final Date notAfter;

    private TestPki(String smdpAddress, String eidPrefix, Duration validity) {
        this.smdpAddress = smdpAddress;
        this.smdpOid = Sgp22Oids.BENCH_SMDP_OID;
        this.eidPrefix = eidPrefix;
        Instant now = Instant.now();
        notBefore = Date.from(now.minus(Duration.ofDays(1)));
        notAfter = Date.from(now.plus(validity));
        ciKeys = Ecc.generateKeyPair();
        X500Name ciName = name("vinbind Test CI", "vinbind", null);
        ci = build(ciName, ciKeys.getPublic(), ciName, ciKeys, null, b -> {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.certificatePolicies, true, policy(Sgp22Oids.CI));
        });
        eumKeys = Ecc.generateKeyPair();
        X500Name eumName = name("vinbind Test EUM", EUM_ORG, null);
        X500Name permitted = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, EUM_ORG)
            .addRDN(BCStyle.SERIALNUMBER, eidPrefix).build();
        eum = build(eumName, eumKeys.getPublic(), ciName, ciKeys, ci, b -> {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.certificatePolicies, true, policy(Sgp22Oids.EUM));
            b.addExtension(Extension.nameConstraints, true, new NameConstraints(
                new GeneralSubtree[] {new GeneralSubtree(new GeneralName(permitted))}, null));
        });
        dpAuthKeys = Ecc.generateKeyPair();
        dpAuth = server("vinbind Test SM-DP+ auth", dpAuthKeys, Sgp22Oids.DP_AUTH, false);
        dpPbKeys = Ecc.generateKeyPair();
        dpPb = server("vinbind Test SM-DP+ pb", dpPbKeys, Sgp22Oids.DP_PB, false);
        dpTlsKeys = Ecc.generateKeyPair();
        dpTls = server("vinbind Test SM-DP+ tls", dpTlsKeys, Sgp22Oids.DP_TLS, true);
    }

    /** A new PKI with {@code euiccCount} eUICCs numbered from the prefix, valid for ten years. */
    public static TestPki create(String smdpAddress, int euiccCount) {
        TestPki p = new TestPki(smdpAddress, DEFAULT_EID_PREFIX, Duration.ofDays(3650));
        for (int i = 1; i <= euiccCount; i++) {
            p.issueEuicc(p.eidNumber(i));
        }
        return p;
    }

    /** The {@code n}-th EID of this EUM's range (prefix, zeros, n, check digits). */
    public String eidNumber(int n) {
        String body = eidPrefix + String.format("%0" + (30 - eidPrefix.length()) + "d", n);
        return Eid.withCheckDigits(body);
    }

    /**
     * Issues an eUICC certificate for {@code eid} signed by the EUM — also for an EID outside its range, which
     * a correct checker then refuses ({@link CertificateCheckException.Reason#EID_OUT_OF_RANGE}).
     */
    public EuiccCredentials issueEuicc(String eid) {
        if (!eid.matches("[0-9]{32}")) {
            throw new IllegalArgumentException("EID must be 32 digits");
        }
        KeyPair k = Ecc.generateKeyPair();
        X509Certificate c = build(name("vinbind Test eUICC", EUM_ORG, eid), k.getPublic(), X500Name.getInstance(
            eum.getSubjectX500Principal().getEncoded()), eumKeys, eum, b -> {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.certificatePolicies, true, policy(Sgp22Oids.EUICC));
            });
        euiccKeys.put(eid, k);
        euiccs.put(eid, c);
        return euicc(eid);
    }

    public List<String> eids() {
        return List.copyOf(euiccs.keySet());
    }

    public EuiccCredentials euicc(String eid) {
        X509Certificate c = euiccs.get(eid);
        if (c == null) {
            throw new IllegalArgumentException("no eUICC " + eid + " in this PKI");
        }
        return new EuiccCredentials(eid, c, euiccKeys.get(eid).getPrivate(), eum, List.of(ci));
    }

    public SmdpCredentials smdp() {
        return new SmdpCredentials(smdpAddress, smdpOid, dpAuth, dpAuthKeys.getPrivate(), dpPb, dpPbKeys.getPrivate(),
            dpTls, dpTlsKeys.getPrivate(), List.of(ci));
    }

    public X509Certificate ci() {
        return ci;
    }

    /** Writes every certificate and key as PEM, and pki.properties naming the EIDs and the SM-DP+. */
    public void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Pem.writeCertificate(dir.resolve(CI_CERT), ci);
        Pem.writePrivateKey(dir.resolve(CI_KEY), ciKeys.getPrivate());
        Pem.writeCertificate(dir.resolve(EUM_CERT), eum);
        Pem.writePrivateKey(dir.resolve(EUM_KEY), eumKeys.getPrivate());
        for (String eid : euiccs.keySet()) {
            Pem.writeCertificate(dir.resolve(euiccCertFile(eid)), euiccs.get(eid));
            Pem.writePrivateKey(dir.resolve(euiccKeyFile(eid)), euiccKeys.get(eid).getPrivate());
        }
        Pem.writeCertificate(dir.resolve("dpauth.pem"), dpAuth);
        Pem.writePrivateKey(dir.resolve("dpauth.key.pem"), dpAuthKeys.getPrivate());
        Pem.writeCertificate(dir.resolve("dppb.pem"), dpPb);
        Pem.writePrivateKey(dir.resolve("dppb.key.pem"), dpPbKeys.getPrivate());
        Pem.writeCertificate(dir.resolve("dptls.pem"), dpTls);
        Pem.writePrivateKey(dir.resolve("dptls.key.pem"), dpTlsKeys.getPrivate());
        Properties p = new Properties();
        p.setProperty("smdp.address", smdpAddress);
        p.setProperty("smdp.oid", smdpOid);
        p.setProperty("eum.eidPrefix", eidPrefix);
        p.setProperty("euicc.eids", String.join(",", euiccs.keySet()));
        StringBuilder text = new StringBuilder("# written by ./vinbind esim pki init; the keys are test keys\n");
        p.stringPropertyNames().stream().sorted().forEach(k -> text.append(k).append('=').append(p.getProperty(k)).append('\n'));
        Pem.writeAtomically(dir.resolve(PROPERTIES), text.toString(), false);
    }

    /** The EIDs listed in a PKI directory's pki.properties. */
    public static List<String> eidsIn(Path dir) throws IOException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(dir.resolve(PROPERTIES))) {
            p.load(r);
        }
        List<String> out = new ArrayList<>();
        for (String s : p.getProperty("euicc.eids", "").split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    public static String euiccCertFile(String eid) {
        return "euicc-" + eid + ".pem";
    }

    public static String euiccKeyFile(String eid) {
        return "euicc-" + eid + ".key.pem";
    }

    /** The first dNSName of a certificate's subjectAltName. */
    static String dnsName(X509Certificate c) throws IOException {
        try {
            if (c.getSubjectAlternativeNames() != null) {
                for (List<?> n : c.getSubjectAlternativeNames()) {
                    if ((Integer) n.get(0) == GeneralName.dNSName) {
                        return (String) n.get(1);
                    }
                }
            }
        } catch (CertificateException e) {
            throw new IOException(e);
        }
        throw new IOException("DPtls certificate has no dNSName");
    }

    private X509Certificate server(String cn, KeyPair keys, ASN1ObjectIdentifier role, boolean tls) {
        X500Name issuer = X500Name.getInstance(ci.getSubjectX500Principal().getEncoded());
        return build(name(cn, "vinbind", null), keys.getPublic(), issuer, ciKeys, ci, b -> {
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.certificatePolicies, true, policy(role));
            if (tls) {
                b.addExtension(Extension.extendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, smdpAddress), new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            } else {
                b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.registeredID, smdpOid)));
            }
        });
    }

    private static X500Name name(String cn, String org, String serialNumber) {
        X500NameBuilder b = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.C, "DE").addRDN(BCStyle.O, org);
        if (serialNumber != null) {
            b.addRDN(BCStyle.SERIALNUMBER, serialNumber);
        }
        return b.addRDN(BCStyle.CN, cn).build();
    }

    private static CertificatePolicies policy(ASN1ObjectIdentifier oid) {
        return new CertificatePolicies(new PolicyInformation(oid));
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder b) throws IOException;
    }

    private X509Certificate build(X500Name subject, PublicKey key, X500Name issuer, KeyPair issuerKeys,
                                  X509Certificate issuerCert, Extensions extensions) {
        try {
            JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                notBefore, notAfter, subject, key);
            b.addExtension(Extension.subjectKeyIdentifier, false, u.createSubjectKeyIdentifier(key));
            b.addExtension(Extension.authorityKeyIdentifier, false, issuerCert == null
                ? u.createAuthorityKeyIdentifier(issuerKeys.getPublic()) : u.createAuthorityKeyIdentifier(issuerCert));
            extensions.add(b);
            X509CertificateHolder h = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate()));
            return new JcaX509CertificateConverter().getCertificate(h);
        } catch (IOException | CertificateException | OperatorCreationException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("certificate generation failed: " + e.getMessage(), e);
        }
    }

}
