package io.vinbind.esim.message;

import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;

/**
 * SGP.22 {@code SmdpSigned2} (§5.6.2): the transaction, whether a confirmation code is required, and, on a
 * retry, the eUICC one-time key a package was already bound to.
 *
 * @param transactionId 1-16 bytes
 * @param ccRequired true when the end user must give a confirmation code
 * @param bppEuiccOtpk the otPK.EUICC already used, or null
 */
public record SmdpSigned2(byte[] transactionId, boolean ccRequired, byte[] bppEuiccOtpk) {

    public SmdpSigned2 {
        transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
        bppEuiccOtpk = Bytes.copyOrNull(bppEuiccOtpk);
    }

    @Override
    public byte[] transactionId() {
        return transactionId.clone();
    }

    @Override
    public byte[] bppEuiccOtpk() {
        return Bytes.copyOrNull(bppEuiccOtpk);
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.present(Der.ctx(0, transactionId), ASN1Boolean.getInstance(ccRequired),
            bppEuiccOtpk == null ? null : Der.app(73, bppEuiccOtpk)));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    public static SmdpSigned2 decode(byte[] der) {
        return from(Der.Reader.of(Der.parse(der, "SmdpSigned2"), "SmdpSigned2"));
    }

    static SmdpSigned2 from(Der.Reader r) {
        byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
        boolean cc = r.universal(ASN1Boolean.class, "ccRequiredFlag").isTrue();
        byte[] otpk = r.optOctets(Der.APPLICATION, 73, "bppEuiccOtpk");
        r.end();
        return new SmdpSigned2(tid, cc, otpk);
    }
}
