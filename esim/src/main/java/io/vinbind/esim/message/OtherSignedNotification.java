package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;

/**
 * SGP.22 {@code OtherSignedNotification}: the eUICC-signed notification of an enable, disable or delete,
 * with the eUICC and EUM certificates so the SM-DP+ can check it.
 */
public record OtherSignedNotification(NotificationMetadata metadata, byte[] signature, byte[] euiccCertificate,
                                      byte[] eumCertificate) implements PendingNotification {

    public OtherSignedNotification {
        Objects.requireNonNull(metadata, "metadata");
        signature = Bytes.copy(signature, "signature");
        euiccCertificate = Bytes.copy(euiccCertificate, "euiccCertificate");
        eumCertificate = Bytes.copy(eumCertificate, "eumCertificate");
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public byte[] euiccCertificate() {
        return euiccCertificate.clone();
    }

    @Override
    public byte[] eumCertificate() {
        return eumCertificate.clone();
    }

    /** The DER the signature covers: tbsOtherNotification (BF2F). */
    public byte[] signedData() {
        return metadata.encode();
    }

    @Override
    public ASN1Encodable toAsn1() {
        return Der.seq(metadata.toAsn1(), Der.app(55, signature), Der.certificate(euiccCertificate, "OtherSignedNotification"),
            Der.certificate(eumCertificate, "OtherSignedNotification"));
    }

    static OtherSignedNotification from(Der.Reader r) {
        NotificationMetadata m = NotificationMetadata.from(r.tagged(Der.CONTEXT, 47, "tbsOtherNotification"));
        byte[] sig = r.octets(Der.APPLICATION, 55, "euiccNotificationSignature");
        byte[] euicc = r.certificate("euiccCertificate");
        byte[] eum = r.certificate("eumCertificate");
        r.end();
        return new OtherSignedNotification(m, sig, euicc, eum);
    }

}
