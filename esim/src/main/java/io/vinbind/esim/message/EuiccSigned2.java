package io.vinbind.esim.message;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;

/**
 * SGP.22 {@code EUICCSigned2}: the eUICC's one-time public key for this download, signed with the
 * smdpSignature2 it answers (§5.7.5).
 *
 * @param transactionId 1-16 bytes
 * @param euiccOtpk otPK.EUICC.ECKA, an uncompressed point
 * @param hashCc the confirmation code hash, or null
 */
public record EuiccSigned2(byte[] transactionId, byte[] euiccOtpk, byte[] hashCc) {

    public EuiccSigned2 {
        transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
        euiccOtpk = Bytes.copy(euiccOtpk, "euiccOtpk");
        hashCc = hashCc == null ? null : Bytes.sized(hashCc, "hashCc", 32, 32);
    }

    @Override
    public byte[] transactionId() {
        return transactionId.clone();
    }

    @Override
    public byte[] euiccOtpk() {
        return euiccOtpk.clone();
    }

    @Override
    public byte[] hashCc() {
        return Bytes.copyOrNull(hashCc);
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.present(Der.ctx(0, transactionId), Der.app(73, euiccOtpk),
            hashCc == null ? null : new DEROctetString(hashCc)));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    static EuiccSigned2 from(Der.Reader r) {
        byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
        byte[] otpk = r.octets(Der.APPLICATION, 73, "euiccOtpk");
        ASN1OctetString cc = r.optUniversal(ASN1OctetString.class);
        r.end();
        try {
            return new EuiccSigned2(tid, otpk, cc == null ? null : cc.getOctets());
        } catch (IllegalArgumentException e) {
            throw r.error(e.getMessage());
        }
    }
}
