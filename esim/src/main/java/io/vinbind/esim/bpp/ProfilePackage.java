package io.vinbind.esim.bpp;

import io.vinbind.esim.message.Der;
import io.vinbind.esim.message.Iccid;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERNull;

/**
 * A profile package in the interoperable profile format (TCA / SIMalliance "eUICC Profile Package:
 * Interoperable Format Technical Specification", PEDefinitions): a DER sequence of profile elements. The
 * bench builds a minimal well-formed one — ProfileHeader, PE-MF with EF.ICCID, PE-USIM with its ADF and
 * EF.IMSI, PE-AKAParameter (Milenage with the given K and OPc) and PE-End — and the eUICC simulator reads the
 * ICCID and IMSI back out of whatever package it installs.
 *
 * @param iccid the profile's ICCID (ProfileHeader.iccid and EF.ICCID)
 * @param imsi the subscriber's IMSI (EF.IMSI), 6-15 digits
 * @param profileType the header's profileType text
 * @param elementTypes the PE types in order, as their ProfileElement CHOICE names (for inspection)
 */
public record ProfilePackage(Iccid iccid, String imsi, String profileType, List<String> elementTypes) {

    /** The USIM application's AID (ETSI TS 101 220 RID A000000087, 3GPP USIM 1002). */
    static final byte[] USIM_AID = java.util.HexFormat.of().parseHex("a0000000871002ff33ff018900000100");
    static final String TEMPLATE_MF = "2.23.143.1.2.1";
    static final String TEMPLATE_USIM = "2.23.143.1.2.4";

    // ProfileElement CHOICE tag numbers (PEDefinitions, AUTOMATIC TAGS)
    static final int PE_HEADER = 0;
    static final int PE_AKA = 4;
    static final int PE_END = 10;
    static final int PE_MF = 16;
    static final int PE_USIM = 19;

    public ProfilePackage {
        Objects.requireNonNull(iccid, "iccid");
        if (imsi == null || !imsi.matches("[0-9]{6,15}")) {
            throw new IllegalArgumentException("IMSI must be 6-15 digits");
        }
        Objects.requireNonNull(profileType, "profileType");
        elementTypes = List.copyOf(elementTypes);
    }

    /** A package of the bench's five elements. */
    public static ProfilePackage of(Iccid iccid, String imsi, String profileType) {
        return new ProfilePackage(iccid, imsi, profileType, List.of("header", "mf", "usim", "akaParameter", "end"));
    }

    /** Encodes the bench's elements, with the given Milenage K and OPc (16 bytes each). */
    public byte[] encode(byte[] k, byte[] opc) {
        if (k.length != 16 || opc.length != 16) {
            throw new IllegalArgumentException("K and OPc must be 16 bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // ProfileHeader: major 2, minor 3, profileType, iccid, mandatory services {usim}, GFSTE list {MF, USIM}
        out.writeBytes(Der.encode(Der.seq(Der.CONTEXT, PE_HEADER,
            Der.ctxInt(0, 2), Der.ctxInt(1, 3), Der.ctxUtf8(2, profileType), Der.ctx(3, iccid.toEf()),
            Der.ctx(5, Der.seq(Der.ctx(1, DERNull.INSTANCE))),
            Der.ctx(6, Der.seq(new ASN1ObjectIdentifier(TEMPLATE_MF), new ASN1ObjectIdentifier(TEMPLATE_USIM))))));
        // PE-MF: header, template, MF, EF.PL, EF.ICCID (fillFileContent), EF.DIR (USIM application template), EF.ARR
        byte[] dirRecord = java.util.HexFormat.of().parseHex("61184f10a0000000871002ff33ff01890000010050045553494d");
        out.writeBytes(Der.encode(Der.seq(Der.CONTEXT, PE_MF,
            peHeader(1), new org.bouncycastle.asn1.DERTaggedObject(false, Der.CONTEXT, 1, new ASN1ObjectIdentifier(TEMPLATE_MF)),
            Der.ctx(2, Der.seq(Der.ctx(1, Der.seq(Der.implicit(Der.PRIVATE, 6, new org.bouncycastle.asn1.DEROctetString(
                new byte[] {0x01, 0x02, 0x0A})))))),
            Der.ctx(3, Der.seq(Der.ctx(1, Der.seq(Der.ctx(11, new byte[] {0x0F}))))),
            Der.ctx(4, Der.seq(Der.ctx(3, iccid.toEf()))),
            Der.ctx(5, Der.seq(Der.ctx(1, Der.seq(Der.ctx(2, new byte[] {0x42, 0x21, 0x00, 0x26}))), Der.ctx(3, dirRecord))),
            Der.ctx(6, Der.seq(Der.ctx(1, Der.seq(Der.ctx(2, new byte[] {0x42, 0x21, 0x00, 0x25}))))))));
        // PE-USIM: header, template, ADF.USIM (dfName = AID), EF.IMSI (fillFileContent), EF.ARR
        out.writeBytes(Der.encode(Der.seq(Der.CONTEXT, PE_USIM,
            peHeader(2), new org.bouncycastle.asn1.DERTaggedObject(false, Der.CONTEXT, 1, new ASN1ObjectIdentifier(TEMPLATE_USIM)),
            Der.ctx(2, Der.seq(Der.ctx(1, Der.seq(Der.ctx(4, USIM_AID))))),
            Der.ctx(3, Der.seq(Der.ctx(3, efImsi(imsi)))),
            Der.ctx(4, Der.seq(Der.ctx(1, Der.seq(Der.ctx(2, new byte[] {0x42, 0x21, 0x00, 0x25}))))))));
        // PE-AKAParameter: algoParameter {milenage(1), options 0, key, opc}
        out.writeBytes(Der.encode(Der.seq(Der.CONTEXT, PE_AKA, peHeader(3),
            Der.explicit(Der.CONTEXT, 1, Der.seq(Der.CONTEXT, 1, Der.ctxInt(0, 1), Der.ctx(1, new byte[] {0}),
                Der.ctx(2, k), Der.ctx(3, opc))))));
        out.writeBytes(Der.encode(Der.seq(Der.CONTEXT, PE_END, peHeader(4))));
        return out.toByteArray();
    }

    private static ASN1Encodable peHeader(int identification) {
        return Der.ctx(0, Der.seq(Der.ctx(0, DERNull.INSTANCE), Der.ctxInt(1, identification)));
    }

    /**
     * Reads a PE sequence: the header first, PE-End last, every element a context-tagged constructed
     * element; takes the ICCID from the header (and checks EF.ICCID agrees) and the IMSI from PE-USIM's
     * EF.IMSI. Elements of other types are accepted and listed.
     */
    public static ProfilePackage decode(byte[] elements) throws ProfileElementException {
        List<ASN1TaggedObject> pes = new ArrayList<>();
        try (ASN1InputStream in = new ASN1InputStream(new ByteArrayInputStream(elements), elements.length)) {
            ASN1Primitive p;
            while ((p = in.readObject()) != null) {
                if (!(p instanceof ASN1TaggedObject t) || t.getTagClass() != Der.CONTEXT) {
                    throw new ProfileElementException(pes.size(), "not a ProfileElement (context-tagged CHOICE)");
                }
                pes.add(t);
            }
        } catch (IOException | RuntimeException e) {
            throw new ProfileElementException(pes.size(), "not DER: " + e.getMessage());
        }
        if (pes.isEmpty() || pes.get(0).getTagNo() != PE_HEADER) {
            throw new ProfileElementException(0, "the first element must be the ProfileHeader [0]");
        }
        if (pes.get(pes.size() - 1).getTagNo() != PE_END) {
            throw new ProfileElementException(pes.size() - 1, "the last element must be PE-End [10]");
        }
        Iccid iccid = null;
        String type = "";
        String imsi = null;
        byte[] efIccid = null;
        List<String> types = new ArrayList<>();
        for (int i = 0; i < pes.size(); i++) {
            ASN1TaggedObject pe = pes.get(i);
            types.add(typeName(pe.getTagNo()));
            try {
                Der.Reader r = Der.Reader.implicit(pe, "ProfileElement " + typeName(pe.getTagNo()));
                switch (pe.getTagNo()) {
                    case PE_HEADER -> {
                        long major = r.integer(Der.CONTEXT, 0, "major-version");
                        if (major != 2) {
                            throw new ProfileElementException(i, "major-version " + major + " is not supported (2)");
                        }
                        r.integer(Der.CONTEXT, 1, "minor-version");
                        String t = r.optUtf8(Der.CONTEXT, 2, "profileType");
                        type = t == null ? "" : t;
                        iccid = Iccid.fromEf(r.octets(Der.CONTEXT, 3, "iccid", 10, 10));
                        r.rest();
                    }
                    case PE_MF -> {
                        r.sequence(Der.CONTEXT, 0, "mf-header").rest();
                        r.tagged(Der.CONTEXT, 1, "templateID");
                        r.tagged(Der.CONTEXT, 2, "mf");
                        r.optTagged(Der.CONTEXT, 3);
                        efIccid = fillContent(r.sequence(Der.CONTEXT, 4, "ef-iccid"));
                        r.rest();
                    }
                    case PE_USIM -> {
                        r.sequence(Der.CONTEXT, 0, "usim-header").rest();
                        r.tagged(Der.CONTEXT, 1, "templateID");
                        r.tagged(Der.CONTEXT, 2, "adf-usim");
                        byte[] ef = fillContent(r.sequence(Der.CONTEXT, 3, "ef-imsi"));
                        if (ef == null) {
                            throw new ProfileElementException(i, "EF.IMSI has no content");
                        }
                        imsi = imsiOf(ef, i);
                        r.rest();
                    }
                    default -> r.rest();
                }
            } catch (io.vinbind.esim.message.MalformedMessageException | IllegalArgumentException e) {
                throw new ProfileElementException(i, e.getMessage());
            }
        }
        if (efIccid != null && !Arrays.equals(efIccid, iccid.toEf())) {
            throw new ProfileElementException(1, "EF.ICCID differs from the header's ICCID " + iccid);
        }
        if (imsi == null) {
            throw new ProfileElementException(pes.size() - 1, "no PE-USIM with EF.IMSI");
        }
        return new ProfilePackage(iccid, imsi, type, types);
    }

    private static byte[] fillContent(Der.Reader file) {
        byte[] content = null;
        for (ASN1Encodable e : file.rest()) {
            if (e instanceof ASN1TaggedObject t && t.getTagClass() == Der.CONTEXT && t.getTagNo() == 3) {
                content = org.bouncycastle.asn1.ASN1OctetString.getInstance(t, false).getOctets();
            }
        }
        return content;
    }

    /** EF.IMSI (3GPP TS 31.102 §4.2.2): length byte, then BCD with the parity/type nibble first. */
    static byte[] efImsi(String imsi) {
        byte[] out = new byte[9];
        Arrays.fill(out, (byte) 0xFF);
        int n = imsi.length();
        out[0] = (byte) ((n + 2) / 2);
        String digits = (n % 2 == 1 ? "9" : "1") + imsi;
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(i) - '0';
            int idx = 1 + i / 2;
            out[idx] = i % 2 == 0 ? (byte) ((out[idx] & 0xF0) | d) : (byte) ((out[idx] & 0x0F) | (d << 4));
        }
        return out;
    }

    static String imsiOf(byte[] ef, int index) throws ProfileElementException {
        if (ef.length != 9 || ef[0] < 1 || ef[0] > 8) {
            throw new ProfileElementException(index, "EF.IMSI must be 9 bytes with a length byte 1-8");
        }
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= ef[0]; i++) {
            int lo = ef[i] & 0x0F;
            int hi = (ef[i] >> 4) & 0x0F;
            if (i > 1) {
                s.append(digit(lo, index));
            }
            if (hi != 0xF) {
                s.append(digit(hi, index));
            }
        }
        if ((ef[1] & 0x07) != 1) {
            throw new ProfileElementException(index, "EF.IMSI's type nibble is not 'IMSI' (001)");
        }
        return s.toString();
    }

    private static char digit(int nibble, int index) throws ProfileElementException {
        if (nibble > 9) {
            throw new ProfileElementException(index, "EF.IMSI has a non-decimal digit");
        }
        return (char) ('0' + nibble);
    }

    static String typeName(int tagNo) {
        return switch (tagNo) {
            case 0 -> "header";
            case 1 -> "genericFileManagement";
            case 2 -> "pinCodes";
            case 3 -> "pukCodes";
            case 4 -> "akaParameter";
            case 5 -> "cdmaParameter";
            case 6 -> "securityDomain";
            case 7 -> "rfm";
            case 8 -> "application";
            case 9 -> "nonStandard";
            case 10 -> "end";
            case 16 -> "mf";
            case 17 -> "cd";
            case 18 -> "telecom";
            case 19 -> "usim";
            case 20 -> "opt-usim";
            default -> "pe[" + tagNo + "]";
        };
    }

}
