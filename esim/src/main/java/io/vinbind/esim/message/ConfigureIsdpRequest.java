package io.vinbind.esim.message;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;

/**
 * ES8+.ConfigureISDP (BF24, SGP.22 §5.5.2), carried encrypted in the BPP's first 87 TLV.
 *
 * @param dpOid the OID of the SM-DP+ that created the profile (dpProprietaryData), or null
 */
public record ConfigureIsdpRequest(String dpOid) {

    public byte[] encode() {
        return Der.encode(dpOid == null ? Der.seq(Der.CONTEXT, 36)
            : Der.seq(Der.CONTEXT, 36, Der.ctx(24, Der.seq(new ASN1ObjectIdentifier(dpOid)))));
    }

    public static ConfigureIsdpRequest decode(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 36, "ConfigureISDPRequest");
        Der.Reader dp = r.optSequence(Der.CONTEXT, 24, "dpProprietaryData");
        r.end();
        if (dp == null) {
            return new ConfigureIsdpRequest(null);
        }
        String oid = dp.universal(ASN1ObjectIdentifier.class, "dpOid").getId();
        dp.rest();
        return new ConfigureIsdpRequest(oid);
    }
}
