package io.vinbind.esim.pki;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;

/** The certificate policy OIDs of the RSP roles (SGP.22 §4.5.2, id-rspRole). */
public final class Sgp22Oids {
    public static final ASN1ObjectIdentifier RSP_ROLE = new ASN1ObjectIdentifier("2.23.146.1.2.1");
    public static final ASN1ObjectIdentifier CI = RSP_ROLE.branch("0");
    public static final ASN1ObjectIdentifier EUICC = RSP_ROLE.branch("1");
    public static final ASN1ObjectIdentifier EUM = RSP_ROLE.branch("2");
    public static final ASN1ObjectIdentifier DP_TLS = RSP_ROLE.branch("3");
    public static final ASN1ObjectIdentifier DP_AUTH = RSP_ROLE.branch("4");
    public static final ASN1ObjectIdentifier DP_PB = RSP_ROLE.branch("5");
    /** The bench's SM-DP+ OID, under the test arc 2.999.10 the SGP.26 test certificates use. */
    public static final String BENCH_SMDP_OID = "2.999.10.7";

    private Sgp22Oids() {
    }
}
