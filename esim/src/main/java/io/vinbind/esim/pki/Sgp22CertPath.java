package io.vinbind.esim.pki;

import io.vinbind.esim.pki.CertificateCheckException.Reason;
import java.io.IOException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * The SGP.22 certificate chain checks (§4.5.2): issuer found by authority key identifier among the trusted
 * CIs, every signature verified, validity, the role's certificate policy, and for eUICCs the EUM's name
 * constraint whose serialNumber is an EID <em>prefix</em> (a rule generic PKIX checkers do not implement,
 * so it is checked here explicitly).
 */
public final class Sgp22CertPath {

    private Sgp22CertPath() {
    }

    /** What a valid eUICC chain established. */
    public record EuiccChain(String eid, X509Certificate euicc, X509Certificate eum, X509Certificate ci) {
        public PublicKey euiccKey() {
            return euicc.getPublicKey();
        }
    }

    /**
     * Checks CI → EUM → eUICC.
     *
     * @param euiccDer CERT.EUICC.ECDSA
     * @param eumDer CERT.EUM.ECDSA
     * @param trustedCis the CI certificates accepted
     * @param now the time of the check
     */
    public static EuiccChain checkEuicc(byte[] euiccDer, byte[] eumDer, Collection<X509Certificate> trustedCis, Date now)
        throws CertificateCheckException {
        X509CertificateHolder eum = holder(eumDer, "EUM");
        X509CertificateHolder euicc = holder(euiccDer, "eUICC");
        X509Certificate ci = issuerAmong(eum, trustedCis);
        if (!signedBy(eum, ci.getPublicKey())) {
            throw new CertificateCheckException(Reason.EUM_INVALID, "EUM certificate's signature does not verify with the CI key");
        }
        if (!eum.isValidOn(now)) {
            throw new CertificateCheckException(Reason.EUM_EXPIRED, "EUM certificate not valid at " + now.toInstant());
        }
        requirePolicy(eum, Sgp22Oids.EUM, Reason.EUM_INVALID, "EUM");
        byte[] eumSki = ski(eum);
        byte[] euiccAki = aki(euicc);
        if (eumSki == null || euiccAki == null || !Arrays.equals(eumSki, euiccAki)) {
            throw new CertificateCheckException(Reason.EUICC_INVALID, "eUICC certificate's authority key id "
                + hex(euiccAki) + " is not the EUM's key id " + hex(eumSki));
        }
        X509Certificate eumCert = convert(eum);
        if (!signedBy(euicc, eumCert.getPublicKey())) {
            throw new CertificateCheckException(Reason.EUICC_INVALID, "eUICC certificate's signature does not verify with the EUM key");
        }
        if (!euicc.isValidOn(now)) {
            throw new CertificateCheckException(Reason.EUICC_EXPIRED, "eUICC certificate not valid at " + now.toInstant());
        }
        requirePolicy(euicc, Sgp22Oids.EUICC, Reason.EUICC_INVALID, "eUICC");
        String eid = attribute(euicc.getSubject(), BCStyle.SERIALNUMBER);
        if (eid == null || !eid.matches("[0-9]{32}")) {
            throw new CertificateCheckException(Reason.EUICC_INVALID, "eUICC certificate's subject serialNumber is not a 32-digit EID: " + eid);
        }
        checkNameConstraint(eum, euicc.getSubject(), eid);
        return new EuiccChain(eid, convert(euicc), eumCert, ci);
    }

    /** What a valid server chain established. */
    public record ServerChain(X509Certificate certificate, X509Certificate ci, String smdpOid) {
    }

    /**
     * Checks CI → DPauth / DPpb / DPtls (no intermediate), with the role's policy.
     *
     * @param role one of {@link Sgp22Oids#DP_AUTH}, {@link Sgp22Oids#DP_PB}, {@link Sgp22Oids#DP_TLS}
     */
    public static ServerChain checkServer(byte[] der, ASN1ObjectIdentifier role, Collection<X509Certificate> trustedCis, Date now)
        throws CertificateCheckException {
        X509CertificateHolder h = holder(der, "server");
        X509Certificate ci = issuerAmong(h, trustedCis);
        if (!signedBy(h, ci.getPublicKey())) {
            throw new CertificateCheckException(Reason.SERVER_INVALID, "server certificate's signature does not verify with the CI key");
        }
        if (!h.isValidOn(now)) {
            throw new CertificateCheckException(Reason.SERVER_EXPIRED, "server certificate not valid at " + now.toInstant());
        }
        requirePolicy(h, role, Reason.SERVER_INVALID, "server");
        return new ServerChain(convert(h), ci, registeredId(h));
    }

    /** The subject key identifier of a certificate (how RSP names a CI). */
    public static byte[] subjectKeyId(X509Certificate c) {
        try {
            byte[] ski = ski(new X509CertificateHolder(c.getEncoded()));
            if (ski == null) {
                throw new IllegalArgumentException("certificate " + c.getSubjectX500Principal() + " has no subject key identifier");
            }
            return ski;
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("unreadable certificate: " + e.getMessage(), e);
        }
    }

    /** The SM-DP+ OID (subjectAltName registeredID) of a DPauth or DPpb certificate, or null. */
    public static String smdpOid(X509Certificate c) {
        try {
            return registeredId(new X509CertificateHolder(c.getEncoded()));
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("unreadable certificate: " + e.getMessage(), e);
        }
    }

    private static void checkNameConstraint(X509CertificateHolder eum, X500Name euiccSubject, String eid)
        throws CertificateCheckException {
        Extension ext = eum.getExtension(Extension.nameConstraints);
        if (ext == null) {
            return; // an EUM without constraints may issue any EID
        }
        NameConstraints nc = NameConstraints.getInstance(ext.getParsedValue());
        GeneralSubtree[] permitted = nc.getPermittedSubtrees();
        if (permitted == null) {
            return;
        }
        for (GeneralSubtree t : permitted) {
            if (t.getBase().getTagNo() != GeneralName.directoryName) {
                continue;
            }
            X500Name base = X500Name.getInstance(t.getBase().getName());
            String prefix = attribute(base, BCStyle.SERIALNUMBER);
            String org = attribute(base, BCStyle.O);
            String subjectOrg = attribute(euiccSubject, BCStyle.O);
            boolean orgOk = org == null || org.equals(subjectOrg);
            if (orgOk && (prefix == null || eid.startsWith(prefix))) {
                return;
            }
        }
        throw new CertificateCheckException(Reason.EID_OUT_OF_RANGE, "EID " + eid
            + " is outside the EUM's permitted name subtrees (EID prefix / organisation)");
    }

    private static X509Certificate issuerAmong(X509CertificateHolder c, Collection<X509Certificate> cis)
        throws CertificateCheckException {
        byte[] aki = aki(c);
        if (aki == null) {
            throw new CertificateCheckException(Reason.CI_UNKNOWN, "certificate " + c.getSubject() + " has no authority key identifier");
        }
        for (X509Certificate ci : cis) {
            if (Arrays.equals(subjectKeyId(ci), aki)) {
                return ci;
            }
        }
        throw new CertificateCheckException(Reason.CI_UNKNOWN, "no trusted CI has key id " + hex(aki));
    }

    private static void requirePolicy(X509CertificateHolder h, ASN1ObjectIdentifier policy, Reason reason, String what)
        throws CertificateCheckException {
        Extension ext = h.getExtension(Extension.certificatePolicies);
        if (ext != null) {
            CertificatePolicies p = CertificatePolicies.getInstance(ext.getParsedValue());
            if (p.getPolicyInformation(policy) != null) {
                return;
            }
        }
        throw new CertificateCheckException(reason, what + " certificate lacks the role policy " + policy);
    }

    private static String registeredId(X509CertificateHolder h) {
        Extension ext = h.getExtension(Extension.subjectAlternativeName);
        if (ext == null) {
            return null;
        }
        for (GeneralName n : GeneralNames.getInstance(ext.getParsedValue()).getNames()) {
            if (n.getTagNo() == GeneralName.registeredID) {
                return ASN1ObjectIdentifier.getInstance(n.getName()).getId();
            }
        }
        return null;
    }

    private static boolean signedBy(X509CertificateHolder c, PublicKey key) {
        try {
            return c.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (OperatorCreationException | org.bouncycastle.cert.CertException | RuntimeException e) {
            return false;
        }
    }

    private static byte[] ski(X509CertificateHolder h) {
        Extension e = h.getExtension(Extension.subjectKeyIdentifier);
        return e == null ? null : SubjectKeyIdentifier.getInstance(e.getParsedValue()).getKeyIdentifier();
    }

    private static byte[] aki(X509CertificateHolder h) {
        Extension e = h.getExtension(Extension.authorityKeyIdentifier);
        return e == null ? null : keyIdOf(AuthorityKeyIdentifier.getInstance(e.getParsedValue()));
    }

    /** The key identifier of an authority key identifier extension, or null. */
    public static byte[] keyIdOf(AuthorityKeyIdentifier aki) {
        return aki.getKeyIdentifierObject() == null ? null : aki.getKeyIdentifierObject().getOctets();
    }

    private static String attribute(X500Name name, ASN1ObjectIdentifier type) {
        for (RDN rdn : name.getRDNs(type)) {
            return IETFUtils.valueToString(rdn.getFirst().getValue());
        }
        return null;
    }

    private static X509CertificateHolder holder(byte[] der, String what) throws CertificateCheckException {
        try {
            return new X509CertificateHolder(der);
        } catch (IOException | RuntimeException e) {
            throw new CertificateCheckException(Reason.MALFORMED, what + " certificate is not DER X.509: " + e.getMessage());
        }
    }

    static X509Certificate convert(X509CertificateHolder h) throws CertificateCheckException {
        try {
            return new JcaX509CertificateConverter().getCertificate(h);
        } catch (CertificateException e) {
            throw new CertificateCheckException(Reason.MALFORMED, "certificate unreadable by the JDK: " + e.getMessage());
        }
    }

    private static String hex(byte[] b) {
        return b == null ? "none" : HexFormat.of().formatHex(b);
    }
}
