package io.vinbind.esim.message;

import java.io.ByteArrayOutputStream;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;

/**
 * ES8+.InitialiseSecureChannel (BF23, SGP.22 §5.5.1), the first segment of a bound profile package: the
 * transaction, the key agreement's control reference template (AES-128, host id) and the SM-DP+'s one-time
 * public key, signed with DPpb over the fields and the eUICC's one-time public key.
 *
 * @param transactionId 1-16 bytes
 * @param hostId 1-16 bytes, an input of the key derivation
 * @param smdpOtpk otPK.DP.ECKA, an uncompressed point
 * @param smdpSign r||s over {@link #signedData}
 */
public record InitialiseSecureChannelRequest(byte[] transactionId, byte[] hostId, byte[] smdpOtpk, byte[] smdpSign) {

    /** remoteOpId installBoundProfilePackage(1). */
    public static final int INSTALL_BOUND_PROFILE_PACKAGE = 1;
    /** keyType AES (GlobalPlatform Card Specification table 11-16). */
    public static final int KEY_TYPE_AES = 0x88;
    public static final int KEY_LENGTH = 16;

    public InitialiseSecureChannelRequest {
        transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
        hostId = Bytes.sized(hostId, "hostId", 1, 16);
        smdpOtpk = Bytes.copy(smdpOtpk, "smdpOtpk");
        smdpSign = Bytes.copy(smdpSign, "smdpSign");
    }

    @Override
    public byte[] transactionId() {
        return transactionId.clone();
    }

    @Override
    public byte[] hostId() {
        return hostId.clone();
    }

    @Override
    public byte[] smdpOtpk() {
        return smdpOtpk.clone();
    }

    @Override
    public byte[] smdpSign() {
        return smdpSign.clone();
    }

    /** What smdpSign covers: remoteOpId || transactionId || controlRefTemplate || smdpOtpk || 5F49 otPK.EUICC. */
    public static byte[] signedData(byte[] transactionId, byte[] hostId, byte[] smdpOtpk, byte[] euiccOtpk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ASN1Encodable e : head(transactionId, hostId, smdpOtpk)) {
            out.writeBytes(Der.encode(e));
        }
        out.writeBytes(Der.encode(Der.app(73, euiccOtpk)));
        return out.toByteArray();
    }

    private static ASN1Encodable[] head(byte[] transactionId, byte[] hostId, byte[] smdpOtpk) {
        return new ASN1Encodable[] {
            Der.ctx(2, new ASN1Integer(INSTALL_BOUND_PROFILE_PACKAGE)),
            Der.ctx(0, transactionId),
            Der.ctx(6, Der.seq(Der.ctx(0, new byte[] {(byte) KEY_TYPE_AES}), Der.ctx(1, new byte[] {KEY_LENGTH}),
                Der.ctx(4, hostId))),
            Der.app(73, smdpOtpk)};
    }

    public ASN1Encodable toAsn1() {
        ASN1Encodable[] h = head(transactionId, hostId, smdpOtpk);
        return Der.seq(Der.CONTEXT, 35, h[0], h[1], h[2], h[3], Der.app(55, smdpSign));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    public static InitialiseSecureChannelRequest decode(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 35, "InitialiseSecureChannelRequest");
        long op = r.integer(Der.CONTEXT, 2, "remoteOpId");
        if (op != INSTALL_BOUND_PROFILE_PACKAGE) {
            throw r.error("remoteOpId " + op + " is not installBoundProfilePackage(1)");
        }
        byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
        Der.Reader crt = r.sequence(Der.CONTEXT, 6, "controlRefTemplate");
        byte[] keyType = crt.octets(Der.CONTEXT, 0, "keyType", 1, 1);
        byte[] keyLen = crt.octets(Der.CONTEXT, 1, "keyLen", 1, 1);
        byte[] hostId = crt.octets(Der.CONTEXT, 4, "hostId", 1, 16);
        crt.end();
        if ((keyType[0] & 0xFF) != KEY_TYPE_AES || keyLen[0] != KEY_LENGTH) {
            throw new UnsupportedCrtException(String.format("keyType %02X keyLen %d: only AES-128 (88, 16) is supported",
                keyType[0] & 0xFF, keyLen[0]));
        }
        byte[] otpk = r.octets(Der.APPLICATION, 73, "smdpOtpk");
        byte[] sign = r.octets(Der.APPLICATION, 55, "smdpSign");
        r.end();
        return new InitialiseSecureChannelRequest(tid, hostId, otpk, sign);
    }

    /** The control reference template asks for keys the eUICC does not support (errorReason 4). */
    public static final class UnsupportedCrtException extends RuntimeException {
        UnsupportedCrtException(String message) {
            super("InitialiseSecureChannelRequest: " + message);
        }
    }
}
