package io.vinbind.esim.message;

import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERUTF8String;

/**
 * SGP.22 {@code EUICCInfo2} (BF22), ES10b.GetEUICCInfo's detailed answer, with the mandatory fields. The free
 * memory travels in {@code extCardResource} as ETSI TS 102 226 codes it (81 installed applications,
 * 82 free non-volatile memory, 83 free volatile memory), which is what lets an SM-DP+ refuse a download for
 * insufficient memory before it builds a package. Optional fields after {@code sasAcreditationNumber}
 * are skipped when decoding (the type is extensible).
 *
 * @param profileVersion base profile package version supported, 3 bytes
 * @param svn SGP.22 version, 3 bytes
 * @param firmwareVersion eUICC firmware version, 3 bytes
 * @param installedApplications number of applications installed
 * @param freeNonVolatileMemory bytes free for profiles
 * @param freeVolatileMemory bytes of RAM free
 * @param ciPkIdsForVerification CI key ids trusted
 * @param ciPkIdsForSigning CI key ids of the eUICC's own chain
 * @param ppVersion protection profile version, 3 bytes
 * @param sasAccreditationNumber the SAS-UP accreditation of the eUICC's production site
 */
public record EuiccInfo2(byte[] profileVersion, byte[] svn, byte[] firmwareVersion, int installedApplications,
                         long freeNonVolatileMemory, long freeVolatileMemory, List<byte[]> ciPkIdsForVerification,
                         List<byte[]> ciPkIdsForSigning, byte[] ppVersion, String sasAccreditationNumber) {

    /** UICCCapability bits set by the simulator: usimSupport(1), akaMilenage(4), javacard(14), berTlvFileSupport(19). */
    static final int[] UICC_CAPABILITY = {1, 4, 14, 19};
    /** RspCapability bits: additionalProfile(0), testProfileSupport(3). */
    static final int[] RSP_CAPABILITY = {0, 3};

    public EuiccInfo2 {
        profileVersion = Bytes.sized(profileVersion, "profileVersion", 3, 3);
        svn = Bytes.sized(svn, "svn", 3, 3);
        firmwareVersion = Bytes.sized(firmwareVersion, "firmwareVersion", 3, 3);
        ppVersion = Bytes.sized(ppVersion, "ppVersion", 3, 3);
        ciPkIdsForVerification = Bytes.copyList(ciPkIdsForVerification, "ciPkIdsForVerification");
        ciPkIdsForSigning = Bytes.copyList(ciPkIdsForSigning, "ciPkIdsForSigning");
        if (installedApplications < 0 || freeNonVolatileMemory < 0 || freeVolatileMemory < 0) {
            throw new IllegalArgumentException("resource figures must not be negative");
        }
        if (sasAccreditationNumber == null || Der.utf8Length(sasAccreditationNumber) > 64) {
            throw new IllegalArgumentException("sasAccreditationNumber must be 0-64 bytes of UTF-8");
        }
    }

    @Override
    public byte[] profileVersion() {
        return profileVersion.clone();
    }

    @Override
    public byte[] svn() {
        return svn.clone();
    }

    @Override
    public byte[] firmwareVersion() {
        return firmwareVersion.clone();
    }

    @Override
    public byte[] ppVersion() {
        return ppVersion.clone();
    }

    @Override
    public List<byte[]> ciPkIdsForVerification() {
        return Bytes.cloneList(ciPkIdsForVerification);
    }

    @Override
    public List<byte[]> ciPkIdsForSigning() {
        return Bytes.cloneList(ciPkIdsForSigning);
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.CONTEXT, 34,
            Der.ctx(1, profileVersion), Der.ctx(2, svn), Der.ctx(3, firmwareVersion),
            Der.ctx(4, extCardResource()),
            Der.ctx(5, Der.namedBits(UICC_CAPABILITY)),
            Der.ctx(8, Der.namedBits(RSP_CAPABILITY)),
            Der.ctx(9, EuiccInfo1.keyIds(ciPkIdsForVerification)),
            Der.ctx(10, EuiccInfo1.keyIds(ciPkIdsForSigning)),
            new DEROctetString(ppVersion), new DERUTF8String(sasAccreditationNumber));
    }

    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    public static EuiccInfo2 decode(byte[] der) {
        return from(Der.parseSequence(der, Der.CONTEXT, 34, "EUICCInfo2"));
    }

    static EuiccInfo2 from(Der.Reader r) {
        byte[] pv = r.octets(Der.CONTEXT, 1, "profileVersion", 3, 3);
        byte[] svn = r.octets(Der.CONTEXT, 2, "svn", 3, 3);
        byte[] fw = r.octets(Der.CONTEXT, 3, "euiccFirmwareVer", 3, 3);
        long[] res = parseResource(r.octets(Der.CONTEXT, 4, "extCardResource"), r);
        r.bits(Der.CONTEXT, 5, "uiccCapability");
        r.optTagged(Der.CONTEXT, 6);
        r.optTagged(Der.CONTEXT, 7);
        r.bits(Der.CONTEXT, 8, "rspCapability");
        List<byte[]> v = EuiccInfo1.keyIdsOf(r.sequence(Der.CONTEXT, 9, "euiccCiPKIdListForVerification"));
        List<byte[]> s = EuiccInfo1.keyIdsOf(r.sequence(Der.CONTEXT, 10, "euiccCiPKIdListForSigning"));
        r.optTagged(Der.CONTEXT, 11);
        r.optTagged(Der.CONTEXT, 25);
        byte[] pp = r.universal(ASN1OctetString.class, "ppVersion").getOctets();
        String sas = r.universal(ASN1UTF8String.class, "sasAcreditationNumber").getString();
        r.rest(); // extensible: later optional fields are not needed here
        try {
            return new EuiccInfo2(pv, svn, fw, (int) res[0], res[1], res[2], v, s, pp, sas);
        } catch (IllegalArgumentException e) {
            throw r.error(e.getMessage());
        }
    }

    /** ETSI TS 102 226 §8.2.1.3.2: 81 installed applications, 82 free non-volatile, 83 free volatile memory. */
    byte[] extCardResource() {
        byte[] apps = unsigned(installedApplications, 1);
        byte[] nv = unsigned(freeNonVolatileMemory, 4);
        byte[] vol = unsigned(freeVolatileMemory, 4);
        byte[] out = new byte[2 + apps.length + 2 + nv.length + 2 + vol.length];
        int i = 0;
        out[i++] = (byte) 0x81;
        out[i++] = (byte) apps.length;
        System.arraycopy(apps, 0, out, i, apps.length);
        i += apps.length;
        out[i++] = (byte) 0x82;
        out[i++] = (byte) nv.length;
        System.arraycopy(nv, 0, out, i, nv.length);
        i += nv.length;
        out[i++] = (byte) 0x83;
        out[i++] = (byte) vol.length;
        System.arraycopy(vol, 0, out, i, vol.length);
        return out;
    }

    /** Reads the three items of ETSI TS 102 226 by wrapping them in a SEQUENCE for BouncyCastle to parse. */
    private static long[] parseResource(byte[] b, Der.Reader outer) {
        byte[] wrapped = new byte[b.length < 128 ? 2 + b.length : 3 + b.length];
        int off;
        wrapped[0] = 0x30;
        if (b.length < 128) {
            wrapped[1] = (byte) b.length;
            off = 2;
        } else {
            wrapped[1] = (byte) 0x81;
            wrapped[2] = (byte) b.length;
            off = 3;
        }
        if (b.length > 255) {
            throw outer.error("extCardResource of " + b.length + " bytes is too long");
        }
        System.arraycopy(b, 0, wrapped, off, b.length);
        Der.Reader r = Der.Reader.of(Der.parse(wrapped, outer.structure() + ".extCardResource"),
            outer.structure() + ".extCardResource");
        long[] out = new long[3];
        for (int tag = 1; tag <= 3; tag++) {
            byte[] v = r.optOctets(Der.CONTEXT, tag, "item " + (0x80 + tag));
            if (v != null) {
                if (v.length > 7) {
                    throw r.error("item " + Integer.toHexString(0x80 + tag) + " is longer than 7 bytes");
                }
                out[tag - 1] = new java.math.BigInteger(1, v).longValue();
            }
        }
        r.rest();
        return out;
    }

    private static byte[] unsigned(long v, int minLen) {
        int n = minLen;
        while (n < 8 && (v >>> (8 * n)) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        for (int k = n - 1; k >= 0; k--) {
            b[k] = (byte) v;
            v >>>= 8;
        }
        return b;
    }
}
