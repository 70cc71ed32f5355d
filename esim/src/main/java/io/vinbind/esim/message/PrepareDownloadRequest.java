package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;

/**
 * ES10b.PrepareDownload (BF21, SGP.22 §5.7.5): the SM-DP+'s signed SmdpSigned2 and its DPpb certificate,
 * with the hash of the confirmation code when one is required.
 *
 * @param smdpSigned2 the signed data
 * @param smdpSignature2 r||s over smdpSigned2 || 5F37 40 euiccSignature1
 * @param hashCc SHA-256(SHA-256(code) || transactionId), or null
 * @param smdpCertificate CERT.DPpb.ECDSA as DER
 */
public record PrepareDownloadRequest(SmdpSigned2 smdpSigned2, byte[] smdpSignature2, byte[] hashCc, byte[] smdpCertificate) {

    public PrepareDownloadRequest {
        Objects.requireNonNull(smdpSigned2, "smdpSigned2");
        smdpSignature2 = Bytes.copy(smdpSignature2, "smdpSignature2");
        hashCc = hashCc == null ? null : Bytes.sized(hashCc, "hashCc", 32, 32);
        smdpCertificate = Bytes.copy(smdpCertificate, "smdpCertificate");
    }

    @Override
    public byte[] smdpSignature2() {
        return smdpSignature2.clone();
    }

    @Override
    public byte[] hashCc() {
        return Bytes.copyOrNull(hashCc);
    }

    @Override
    public byte[] smdpCertificate() {
        return smdpCertificate.clone();
    }

    public byte[] encode() {
        return Der.encode(Der.seq(Der.CONTEXT, 33, Der.present(smdpSigned2.toAsn1(), Der.app(55, smdpSignature2),
            hashCc == null ? null : new DEROctetString(hashCc),
            Der.certificate(smdpCertificate, "PrepareDownloadRequest"))));
    }

    public static PrepareDownloadRequest decode(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 33, "PrepareDownloadRequest");
        SmdpSigned2 s2 = SmdpSigned2.from(r.universalSequence("smdpSigned2"));
        byte[] sig = r.octets(Der.APPLICATION, 55, "smdpSignature2");
        ASN1OctetString cc = r.optUniversal(ASN1OctetString.class);
        byte[] cert = r.certificate("smdpCertificate");
        r.end();
        if (cc != null && cc.getOctets().length != 32) {
            throw r.error("hashCc has " + cc.getOctets().length + " bytes, expected 32");
        }
        return new PrepareDownloadRequest(s2, sig, cc == null ? null : cc.getOctets(), cert);
    }
}
