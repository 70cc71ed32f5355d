package io.vinbind.esim.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1TaggedObject;

/**
 * The ES10c profile functions (SGP.22 §5.7.15-§5.7.18, §5.7.20-§5.7.21): GetProfilesInfo (BF2D),
 * EnableProfile (BF31), DisableProfile (BF32), DeleteProfile (BF33), GetEID (BF3E).
 */
public final class ProfileManagement {
    private ProfileManagement() {
    }

    /** GetProfilesInfo, all profiles or the one with an ICCID. */
    public record ProfilesInfoRequest(Iccid iccid) {
        public byte[] encode() {
            return Der.encode(iccid == null ? Der.seq(Der.CONTEXT, 45)
                : Der.seq(Der.CONTEXT, 45, Der.explicit(Der.CONTEXT, 0, Der.app(26, iccid.toEf()))));
        }

        public static ProfilesInfoRequest decode(byte[] der) {
            String s = "ProfileInfoListRequest";
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 45, s);
            ASN1TaggedObject crit = r.optTagged(Der.CONTEXT, 0);
            r.optTagged(Der.APPLICATION, 28); // tagList: the simulator always answers every field
            r.end();
            if (crit == null) {
                return new ProfilesInfoRequest(null);
            }
            ASN1Encodable inner = crit.getExplicitBaseObject();
            Der.Reader one = Der.Reader.of(Der.seq(inner), s + ".searchCriteria");
            if (!one.has(Der.APPLICATION, 26)) {
                throw one.error("only the iccid search criterion is supported, got " + Der.describe(inner));
            }
            try {
                return new ProfilesInfoRequest(Iccid.fromEf(one.octets(Der.APPLICATION, 26, "iccid", 10, 10)));
            } catch (IllegalArgumentException e) {
                throw one.error(e.getMessage());
            }
        }
    }

    /** GetProfilesInfo's answer. */
    public record ProfilesInfoResponse(List<ProfileInfo> profiles) {
        public ProfilesInfoResponse {
            profiles = List.copyOf(profiles);
        }

        public byte[] encode() {
            List<ASN1Encodable> items = new ArrayList<>();
            profiles.forEach(p -> items.add(p.toAsn1()));
            return Der.encode(Der.explicit(Der.CONTEXT, 45, Der.ctx(0, Der.seq(items))));
        }

        public static ProfilesInfoResponse decode(byte[] der) {
            String s = "ProfileInfoListResponse";
            ASN1TaggedObject c = Choice.of(Der.parseTagged(der, Der.CONTEXT, 45, s), s);
            if (c.getTagNo() != 0) {
                throw new MalformedMessageException(s, "profileInfoListError");
            }
            List<ProfileInfo> out = new ArrayList<>();
            for (ASN1Encodable e : Der.Reader.implicit(c, s).rest()) {
                out.add(ProfileInfo.from(e));
            }
            return new ProfilesInfoResponse(out);
        }
    }

    /** Which ES10c operation a {@link SwitchRequest} is. */
    public enum Operation {
        ENABLE(49), DISABLE(50);

        private final int tagNo;

        Operation(int tagNo) {
            this.tagNo = tagNo;
        }

        public int tagNo() {
            return tagNo;
        }
    }

    /** EnableProfile (BF31) or DisableProfile (BF32) by ICCID, with the refresh flag. */
    public record SwitchRequest(Operation operation, Iccid iccid, boolean refresh) {
        public SwitchRequest {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(iccid, "iccid");
        }

        public byte[] encode() {
            return Der.encode(Der.seq(Der.CONTEXT, operation.tagNo,
                Der.explicit(Der.CONTEXT, 0, Der.app(26, iccid.toEf())), Der.ctx(1, ASN1Boolean.getInstance(refresh))));
        }

        public static SwitchRequest decode(byte[] der, Operation op) {
            String s = op == Operation.ENABLE ? "EnableProfileRequest" : "DisableProfileRequest";
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, op.tagNo, s);
            ASN1TaggedObject id = r.tagged(Der.CONTEXT, 0, "profileIdentifier");
            boolean refresh = r.bool(Der.CONTEXT, 1, "refreshFlag");
            r.end();
            return new SwitchRequest(op, iccidOf(id.getExplicitBaseObject(), s), refresh);
        }
    }

    /** enableResult / disableResult / deleteResult values. */
    public enum Result {
        OK(0), ICCID_OR_AID_NOT_FOUND(1), PROFILE_NOT_IN_REQUIRED_STATE(2), DISALLOWED_BY_POLICY(3),
        WRONG_PROFILE_REENABLING(4), CAT_BUSY(5), UNDEFINED_ERROR(127);

        private final int value;

        Result(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        public static Result of(long v) {
            for (Result x : values()) {
                if (x.value == v) {
                    return x;
                }
            }
            return UNDEFINED_ERROR;
        }
    }

    /** The one-INTEGER answer of EnableProfile (BF31), DisableProfile (BF32), DeleteProfile (BF33). */
    public record ResultResponse(int tagNo, Result result) {
        public ResultResponse {
            if (tagNo < 49 || tagNo > 51) {
                throw new IllegalArgumentException("not an enable/disable/delete tag: " + tagNo);
            }
            Objects.requireNonNull(result, "result");
        }

        public byte[] encode() {
            return Der.encode(Der.seq(Der.CONTEXT, tagNo, Der.ctxInt(0, result.value())));
        }

        public static ResultResponse decode(byte[] der, int tagNo) {
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, tagNo, "ProfileOperationResponse");
            long v = r.integer(Der.CONTEXT, 0, "result");
            r.end();
            return new ResultResponse(tagNo, Result.of(v));
        }
    }

    /** DeleteProfile (BF33) by ICCID. */
    public record DeleteRequest(Iccid iccid) {
        public DeleteRequest {
            Objects.requireNonNull(iccid, "iccid");
        }

        public byte[] encode() {
            return Der.encode(Der.explicit(Der.CONTEXT, 51, Der.app(26, iccid.toEf())));
        }

        public static DeleteRequest decode(byte[] der) {
            ASN1TaggedObject t = Der.parseTagged(der, Der.CONTEXT, 51, "DeleteProfileRequest");
            return new DeleteRequest(iccidOf(t.getExplicitBaseObject(), "DeleteProfileRequest"));
        }
    }

    /** GetEID (GetEuiccData with tag list 5A). */
    public record GetEidRequest() {
        public byte[] encode() {
            return Der.encode(Der.seq(Der.CONTEXT, 62, Der.app(28, new byte[] {0x5A})));
        }

        public static GetEidRequest decode(byte[] der) {
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 62, "GetEuiccDataRequest");
            byte[] tagList = r.octets(Der.APPLICATION, 28, "tagList", 1, 1);
            r.end();
            if (tagList[0] != 0x5A) {
                throw r.error(String.format("tagList must be 5A, got %02X", tagList[0]));
            }
            return new GetEidRequest();
        }
    }

    /** GetEID's answer: the 16-byte EID. */
    public record GetEidResponse(byte[] eid) {
        public GetEidResponse {
            eid = Bytes.sized(eid, "eid", 16, 16);
        }

        @Override
        public byte[] eid() {
            return eid.clone();
        }

        public byte[] encode() {
            return Der.encode(Der.seq(Der.CONTEXT, 62, Der.app(26, eid)));
        }

        public static GetEidResponse decode(byte[] der) {
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 62, "GetEuiccDataResponse");
            byte[] eid = r.octets(Der.APPLICATION, 26, "eidValue", 16, 16);
            r.end();
            return new GetEidResponse(eid);
        }
    }

    static Iccid iccidOf(ASN1Encodable e, String structure) {
        Der.Reader one = Der.Reader.of(Der.seq(e), structure + ".profileIdentifier");
        if (!one.has(Der.APPLICATION, 26)) {
            throw one.error("only identification by iccid (5A) is supported, got " + Der.describe(e));
        }
        try {
            return Iccid.fromEf(one.octets(Der.APPLICATION, 26, "iccid", 10, 10));
        } catch (IllegalArgumentException ex) {
            throw one.error(ex.getMessage());
        }
    }
}
