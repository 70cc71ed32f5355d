package io.vinbind.esim.message;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1TaggedObject;

/**
 * SGP.22 {@code CtxParams1}, alternative {@code ctxParamsForCommonAuthentication} (A0): the matchingId the
 * LPA got from the activation code, and the device's information (TAC, IMEI). The device capabilities are
 * sent as "E-UTRAN/EPC release 15" and not kept when decoding.
 *
 * @param matchingId the activation code token, or null when absent
 * @param tac the device's type allocation code, 4 bytes
 * @param imei the device's IMEI, 8 bytes, or null
 */
public record CtxParams1(String matchingId, byte[] tac, byte[] imei) {

    public CtxParams1 {
        tac = Bytes.sized(tac, "tac", 4, 4);
        imei = imei == null ? null : Bytes.sized(imei, "imei", 8, 8);
    }

    @Override
    public byte[] tac() {
        return tac.clone();
    }

    @Override
    public byte[] imei() {
        return Bytes.copyOrNull(imei);
    }

    public ASN1Encodable toAsn1() {
        ASN1Encodable caps = Der.seq(Der.ctx(5, new byte[] {15, 0, 0})); // eutranEpcSupportedRelease
        ASN1Encodable deviceInfo = Der.seq(Der.present(Der.ctx(0, tac), Der.ctx(1, caps),
            imei == null ? null : Der.ctx(2, imei)));
        return Der.explicit(Der.CONTEXT, 0, Der.seq(Der.present(
            matchingId == null ? null : Der.ctxUtf8(0, matchingId), Der.ctx(1, deviceInfo))));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    static CtxParams1 from(ASN1TaggedObject choice, String structure) {
        if (choice.getTagClass() != Der.CONTEXT || choice.getTagNo() != 0) {
            throw new MalformedMessageException(structure, "ctxParams1 must be ctxParamsForCommonAuthentication [0]");
        }
        Der.Reader r;
        try {
            r = Der.Reader.of(choice.getExplicitBaseObject(), structure + ".ctxParams1");
        } catch (RuntimeException e) {
            throw new MalformedMessageException(structure, "ctxParams1 is not an explicitly tagged SEQUENCE", e);
        }
        String matchingId = r.optUtf8(Der.CONTEXT, 0, "matchingId");
        Der.Reader di = r.sequence(Der.CONTEXT, 1, "deviceInfo");
        r.end();
        byte[] tac = di.octets(Der.CONTEXT, 0, "tac", 4, 4);
        di.sequence(Der.CONTEXT, 1, "deviceCapabilities").rest();
        byte[] imei = di.optOctets(Der.CONTEXT, 2, "imei");
        di.end();
        return new CtxParams1(matchingId, tac, imei);
    }
}
