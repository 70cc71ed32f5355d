package io.vinbind.esim.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERUTF8String;

/**
 * SGP.22 {@code StoreMetadataRequest} (BF25): the profile's metadata, sent to the LPA in clear in
 * ES9+.AuthenticateClient and to the eUICC MAC-protected in the BPP's 88 TLVs (§5.5.3).
 *
 * @param iccid the profile's ICCID
 * @param serviceProviderName 0-32 bytes of UTF-8
 * @param profileName 0-64 bytes of UTF-8
 * @param profileClass the class (operational when absent)
 * @param notificationAddresses per operation, the FQDN its notification goes to (may be empty)
 */
public record StoreMetadata(Iccid iccid, String serviceProviderName, String profileName, ProfileClass profileClass,
                            List<NotificationTarget> notificationAddresses) {

    /** One {@code NotificationConfigurationInformation}: which operations notify which address. */
    public record NotificationTarget(List<NotificationEvent> operations, String address) {
        public NotificationTarget {
            operations = List.copyOf(operations);
            Objects.requireNonNull(address, "address");
        }
    }

    public StoreMetadata {
        Objects.requireNonNull(iccid, "iccid");
        if (serviceProviderName == null || Der.utf8Length(serviceProviderName) > 32) {
            throw new IllegalArgumentException("serviceProviderName must be 0-32 bytes of UTF-8");
        }
        if (profileName == null || Der.utf8Length(profileName) > 64) {
            throw new IllegalArgumentException("profileName must be 0-64 bytes of UTF-8");
        }
        Objects.requireNonNull(profileClass, "profileClass");
        notificationAddresses = List.copyOf(notificationAddresses);
    }

    public ASN1Encodable toAsn1() {
        List<ASN1Encodable> targets = new ArrayList<>();
        for (NotificationTarget t : notificationAddresses) {
            targets.add(Der.seq(Der.namedBits(t.operations().stream().mapToInt(NotificationEvent::bit).toArray()),
                new DERUTF8String(t.address())));
        }
        return Der.seq(Der.CONTEXT, 37, Der.present(Der.app(26, iccid.toEf()), Der.ctxUtf8(17, serviceProviderName),
            Der.ctxUtf8(18, profileName),
            profileClass == ProfileClass.OPERATIONAL ? null : Der.ctxInt(21, profileClass.value()),
            targets.isEmpty() ? null : Der.ctx(22, Der.seq(targets))));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    public static StoreMetadata decode(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 37, "StoreMetadataRequest");
        try {
            Iccid iccid = Iccid.fromEf(r.octets(Der.APPLICATION, 26, "iccid", 10, 10));
            String spn = r.utf8(Der.CONTEXT, 17, "serviceProviderName");
            String name = r.utf8(Der.CONTEXT, 18, "profileName");
            r.optTagged(Der.CONTEXT, 19);
            r.optTagged(Der.CONTEXT, 20);
            Long cls = r.optInteger(Der.CONTEXT, 21, "profileClass");
            List<NotificationTarget> targets = new ArrayList<>();
            Der.Reader nci = r.optSequence(Der.CONTEXT, 22, "notificationConfigurationInfo");
            if (nci != null) {
                for (ASN1Encodable item : nci.rest()) {
                    Der.Reader t = Der.Reader.of(item, "NotificationConfigurationInformation");
                    List<NotificationEvent> ops = new ArrayList<>();
                    for (int bit : Der.bitsOf(t.universal(org.bouncycastle.asn1.ASN1BitString.class, "profileManagementOperation"))) {
                        ops.add(NotificationEvent.ofBit(bit));
                    }
                    String address = t.universal(org.bouncycastle.asn1.ASN1UTF8String.class, "notificationAddress").getString();
                    t.end();
                    targets.add(new NotificationTarget(ops, address));
                }
            }
            r.rest(); // profileOwner, policy rules, service specific data: not used by the bench
            return new StoreMetadata(iccid, spn, name, cls == null ? ProfileClass.OPERATIONAL : ProfileClass.of(cls), targets);
        } catch (IllegalArgumentException e) {
            throw r.error(e.getMessage());
        }
    }

}
