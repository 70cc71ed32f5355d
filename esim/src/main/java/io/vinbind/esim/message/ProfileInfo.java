package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1TaggedObject;

/**
 * SGP.22 {@code ProfileInfo} (E3), one profile in ES10c.GetProfilesInfo's answer.
 *
 * @param iccid the profile's ICCID
 * @param isdpAid the AID of its ISD-P
 * @param state enabled or disabled
 * @param nickname the end user's name for it (may be empty)
 * @param serviceProviderName from the metadata
 * @param profileName from the metadata
 * @param profileClass from the metadata
 */
public record ProfileInfo(Iccid iccid, byte[] isdpAid, ProfileState state, String nickname, String serviceProviderName,
                          String profileName, ProfileClass profileClass) {

    public ProfileInfo {
        Objects.requireNonNull(iccid, "iccid");
        isdpAid = Bytes.sized(isdpAid, "isdpAid", 5, 16);
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(nickname, "nickname");
        Objects.requireNonNull(serviceProviderName, "serviceProviderName");
        Objects.requireNonNull(profileName, "profileName");
        Objects.requireNonNull(profileClass, "profileClass");
    }

    @Override
    public byte[] isdpAid() {
        return isdpAid.clone();
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.PRIVATE, 3, Der.app(26, iccid.toEf()), Der.app(15, isdpAid), Der.ctxInt(112, state.value()),
            Der.ctxUtf8(16, nickname), Der.ctxUtf8(17, serviceProviderName), Der.ctxUtf8(18, profileName),
            Der.ctxInt(21, profileClass.value()));
    }

    static ProfileInfo from(ASN1Encodable e) {
        if (!(e instanceof ASN1TaggedObject t) || t.getTagClass() != Der.PRIVATE || t.getTagNo() != 3) {
            throw new MalformedMessageException("ProfileInfo", "expected tag E3, got " + Der.describe(e));
        }
        Der.Reader r = Der.Reader.implicit(t, "ProfileInfo");
        try {
            Iccid iccid = Iccid.fromEf(r.octets(Der.APPLICATION, 26, "iccid", 10, 10));
            byte[] aid = r.octets(Der.APPLICATION, 15, "isdpAid", 5, 16);
            ProfileState state = ProfileState.of(r.integer(Der.CONTEXT, 112, "profileState"));
            String nick = r.optUtf8(Der.CONTEXT, 16, "profileNickname");
            String spn = r.optUtf8(Der.CONTEXT, 17, "serviceProviderName");
            String name = r.optUtf8(Der.CONTEXT, 18, "profileName");
            r.optTagged(Der.CONTEXT, 19);
            r.optTagged(Der.CONTEXT, 20);
            Long cls = r.optInteger(Der.CONTEXT, 21, "profileClass");
            r.rest();
            return new ProfileInfo(iccid, aid, state, nick == null ? "" : nick, spn == null ? "" : spn,
                name == null ? "" : name, cls == null ? ProfileClass.OPERATIONAL : ProfileClass.of(cls));
        } catch (IllegalArgumentException ex) {
            throw r.error(ex.getMessage());
        }
    }
}
