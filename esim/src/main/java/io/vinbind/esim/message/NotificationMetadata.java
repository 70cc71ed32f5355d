package io.vinbind.esim.message;

import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1TaggedObject;

/**
 * SGP.22 {@code NotificationMetadata} (BF2F): sequence number, the operation, the SM-DP+ address to send the
 * notification to, and the ICCID concerned.
 *
 * @param seqNumber the eUICC's notification counter
 * @param operation the profile operation reported
 * @param notificationAddress FQDN of the receiving server
 * @param iccid the profile, or null when absent
 */
public record NotificationMetadata(long seqNumber, NotificationEvent operation, String notificationAddress, Iccid iccid) {

    public NotificationMetadata {
        if (seqNumber < 0) {
            throw new IllegalArgumentException("seqNumber must not be negative");
        }
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(notificationAddress, "notificationAddress");
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.CONTEXT, 47, Der.present(
            Der.ctxInt(0, seqNumber),
            Der.ctx(1, Der.namedBits(operation.bit())),
            new org.bouncycastle.asn1.DERUTF8String(notificationAddress),
            iccid == null ? null : Der.app(26, iccid.toEf())));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    public static NotificationMetadata decode(byte[] der) {
        return from(Der.parseTagged(der, Der.CONTEXT, 47, "NotificationMetadata"));
    }

    static NotificationMetadata from(ASN1Encodable e) {
        if (!(e instanceof ASN1TaggedObject t) || t.getTagClass() != Der.CONTEXT || t.getTagNo() != 47) {
            throw new MalformedMessageException("NotificationMetadata", "expected tag BF2F, got " + Der.describe(e));
        }
        Der.Reader r = Der.Reader.implicit(t, "NotificationMetadata");
        long seq = r.integer(Der.CONTEXT, 0, "seqNumber");
        List<Integer> bits = Der.bitsOf(r.bits(Der.CONTEXT, 1, "profileManagementOperation"));
        if (bits.size() != 1) {
            throw r.error("profileManagementOperation must have exactly one bit set, has " + bits);
        }
        String address = r.universal(org.bouncycastle.asn1.ASN1UTF8String.class, "notificationAddress").getString();
        byte[] iccid = r.optOctets(Der.APPLICATION, 26, "iccid");
        r.end();
        try {
            return new NotificationMetadata(seq, NotificationEvent.ofBit(bits.get(0)), address,
                iccid == null ? null : Iccid.fromEf(iccid));
        } catch (IllegalArgumentException ex) {
            throw r.error(ex.getMessage());
        }
    }
}
