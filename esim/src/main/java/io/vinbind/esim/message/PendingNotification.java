package io.vinbind.esim.message;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;

/**
 * SGP.22 {@code PendingNotification}: a signed notification the LPA forwards with ES9+.HandleNotification —
 * a {@link ProfileInstallationResult} (BF37) or an {@link OtherSignedNotification} (enable, disable, delete).
 */
public sealed interface PendingNotification permits ProfileInstallationResult, OtherSignedNotification {

    NotificationMetadata metadata();

    ASN1Encodable toAsn1();

    default byte[] encode() {
        return Der.encode(toAsn1());
    }

    /** Decodes either alternative by its tag. */
    static PendingNotification decode(byte[] der) {
        return from(Der.parse(der, "PendingNotification"));
    }

    static PendingNotification from(ASN1Encodable e) {
        ASN1Primitive p = e.toASN1Primitive();
        if (p instanceof ASN1TaggedObject t && t.getTagClass() == Der.CONTEXT && t.getTagNo() == 55) {
            return ProfileInstallationResult.from(t);
        }
        if (p instanceof ASN1Sequence) {
            return OtherSignedNotification.from(Der.Reader.of(p, "OtherSignedNotification"));
        }
        throw new MalformedMessageException("PendingNotification", "expected BF37 or a SEQUENCE, got " + Der.describe(p));
    }
}
