package io.vinbind.esim.bpp;

import io.vinbind.esim.message.Der;
import io.vinbind.esim.message.InitialiseSecureChannelRequest;
import io.vinbind.esim.message.MalformedMessageException;
import io.vinbind.esim.message.StoreMetadata;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERTaggedObject;

/**
 * SGP.22 {@code BoundProfilePackage} (BF36, §2.5.4): the InitialiseSecureChannel request and the sequences of
 * protected TLVs (87 ConfigureISDP, 88 StoreMetadata, optional 87 ReplaceSessionKeys, 86 profile
 * elements). Each TLV is kept as the SM-DP+ sent it, tag, length and MAC included: only the eUICC can
 * decrypt 86/87, but anyone can split the package into the segments of §2.5.5 ({@link #segments()}) and
 * read the MAC-only StoreMetadata ({@link #storeMetadata()}).
 *
 * @param initialiseSecureChannel the BF23 request
 * @param firstSequenceOf87 the 87 TLVs of A0
 * @param sequenceOf88 the 88 TLVs of A1
 * @param secondSequenceOf87 the 87 TLVs of A2, or null when A2 is absent
 * @param sequenceOf86 the 86 TLVs of A3
 */
public record BoundProfilePackage(InitialiseSecureChannelRequest initialiseSecureChannel, List<byte[]> firstSequenceOf87,
                                  List<byte[]> sequenceOf88, List<byte[]> secondSequenceOf87, List<byte[]> sequenceOf86) {

    public BoundProfilePackage {
        Objects.requireNonNull(initialiseSecureChannel, "initialiseSecureChannel");
        firstSequenceOf87 = copyTlvs(firstSequenceOf87, 0x87, "firstSequenceOf87");
        sequenceOf88 = copyTlvs(sequenceOf88, 0x88, "sequenceOf88");
        secondSequenceOf87 = secondSequenceOf87 == null ? null : copyTlvs(secondSequenceOf87, 0x87, "secondSequenceOf87");
        sequenceOf86 = copyTlvs(sequenceOf86, 0x86, "sequenceOf86");
        if (firstSequenceOf87.isEmpty() || sequenceOf88.isEmpty() || sequenceOf86.isEmpty()) {
            throw new IllegalArgumentException("firstSequenceOf87, sequenceOf88 and sequenceOf86 must not be empty");
        }
    }

    @Override
    public List<byte[]> firstSequenceOf87() {
        return clone(firstSequenceOf87);
    }

    @Override
    public List<byte[]> sequenceOf88() {
        return clone(sequenceOf88);
    }

    @Override
    public List<byte[]> secondSequenceOf87() {
        return secondSequenceOf87 == null ? null : clone(secondSequenceOf87);
    }

    @Override
    public List<byte[]> sequenceOf86() {
        return clone(sequenceOf86);
    }

    public byte[] encode() {
        List<ASN1Encodable> fields = new ArrayList<>();
        fields.add(initialiseSecureChannel.toAsn1());
        fields.add(container(0, firstSequenceOf87));
        fields.add(container(1, sequenceOf88));
        if (secondSequenceOf87 != null) {
            fields.add(container(2, secondSequenceOf87));
        }
        fields.add(container(3, sequenceOf86));
        return Der.encode(Der.implicit(Der.CONTEXT, 54, Der.seq(fields)));
    }

    /**
     * The segments of §2.5.5, each to be sent to the eUICC as its own STORE DATA sequence: BF36's tag and
     * length with the whole BF23; A0's tag and length with the first 87 (further 87s alone); A1's tag and
     * length; each 88; A2's tag and length with its first 87 (further 87s alone); A3's tag and length; each 86.
     */
    public List<Segment> segments() {
        byte[] whole = encode();
        byte[] isc = initialiseSecureChannel.encode();
        int contentLength = isc.length + containerLength(0, firstSequenceOf87) + containerLength(1, sequenceOf88)
            + (secondSequenceOf87 == null ? 0 : containerLength(2, secondSequenceOf87)) + containerLength(3, sequenceOf86);
        byte[] bf36Header = java.util.Arrays.copyOf(whole, whole.length - contentLength);
        List<Segment> out = new ArrayList<>();
        out.add(new Segment(Segment.Kind.INITIALISE_SECURE_CHANNEL, concat(bf36Header, isc)));
        out.add(new Segment(Segment.Kind.CONFIGURE_ISDP, concat(header(0, firstSequenceOf87), firstSequenceOf87.get(0))));
        for (int i = 1; i < firstSequenceOf87.size(); i++) {
            out.add(new Segment(Segment.Kind.CONFIGURE_ISDP, firstSequenceOf87.get(i)));
        }
        out.add(new Segment(Segment.Kind.STORE_METADATA_HEADER, header(1, sequenceOf88)));
        for (byte[] t : sequenceOf88) {
            out.add(new Segment(Segment.Kind.STORE_METADATA, t));
        }
        if (secondSequenceOf87 != null) {
            out.add(new Segment(Segment.Kind.REPLACE_SESSION_KEYS, concat(header(2, secondSequenceOf87), secondSequenceOf87.get(0))));
            for (int i = 1; i < secondSequenceOf87.size(); i++) {
                out.add(new Segment(Segment.Kind.REPLACE_SESSION_KEYS, secondSequenceOf87.get(i)));
            }
        }
        out.add(new Segment(Segment.Kind.PROFILE_ELEMENTS_HEADER, header(3, sequenceOf86)));
        for (byte[] t : sequenceOf86) {
            out.add(new Segment(Segment.Kind.PROFILE_ELEMENTS, t));
        }
        return out;
    }

    /**
     * The StoreMetadata (BF25) carried MAC-only in the 88 TLVs: readable without the session keys (the MAC is
     * not checked here; only the eUICC can check it).
     */
    public StoreMetadata storeMetadata() {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (byte[] tlv : sequenceOf88) {
            byte[] value = valueOf(tlv, "sequenceOf88");
            if (value.length < 8) {
                throw new MalformedMessageException("BoundProfilePackage", "an 88 TLV is shorter than its MAC");
            }
            data.write(value, 0, value.length - 8);
        }
        return StoreMetadata.decode(data.toByteArray());
    }

    /** Size of the encoded package in bytes. */
    public int size() {
        return encode().length;
    }

    public static BoundProfilePackage decode(byte[] der) {
        String s = "BoundProfilePackage";
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 54, s);
        InitialiseSecureChannelRequest isc =
            InitialiseSecureChannelRequest.decode(Der.encode(r.tagged(Der.CONTEXT, 35, "initialiseSecureChannelRequest")));
        List<byte[]> a0 = items(r.sequence(Der.CONTEXT, 0, "firstSequenceOf87"), 7);
        List<byte[]> a1 = items(r.sequence(Der.CONTEXT, 1, "sequenceOf88"), 8);
        Der.Reader a2r = r.optSequence(Der.CONTEXT, 2, "secondSequenceOf87");
        List<byte[]> a2 = a2r == null ? null : items(a2r, 7);
        List<byte[]> a3 = items(r.sequence(Der.CONTEXT, 3, "sequenceOf86"), 6);
        r.end();
        try {
            return new BoundProfilePackage(isc, a0, a1, a2, a3);
        } catch (IllegalArgumentException e) {
            throw new MalformedMessageException(s, e.getMessage());
        }
    }

    private static List<byte[]> items(Der.Reader r, int tagNo) {
        List<byte[]> out = new ArrayList<>();
        while (r.hasMore()) {
            ASN1TaggedObject t = r.tagged(Der.CONTEXT, tagNo, "[" + tagNo + "] item");
            out.add(Der.encode(t));
        }
        return out;
    }

    static byte[] valueOf(byte[] tlv, String where) {
        ASN1Primitive p = Der.parse(tlv, "BoundProfilePackage." + where);
        if (!(p instanceof ASN1TaggedObject t)) {
            throw new MalformedMessageException("BoundProfilePackage." + where, "not a tagged TLV");
        }
        try {
            return ASN1OctetString.getInstance(t, false).getOctets();
        } catch (RuntimeException e) {
            throw new MalformedMessageException("BoundProfilePackage." + where, "not a primitive TLV", e);
        }
    }

    private static DERTaggedObject container(int tagNo, List<byte[]> tlvs) {
        List<ASN1Encodable> items = new ArrayList<>();
        for (byte[] t : tlvs) {
            items.add(Der.parse(t, "BoundProfilePackage"));
        }
        return Der.implicit(Der.CONTEXT, tagNo, Der.seq(items));
    }

    private static int containerLength(int tagNo, List<byte[]> tlvs) {
        return Der.encode(container(tagNo, tlvs)).length;
    }

    private static byte[] header(int tagNo, List<byte[]> tlvs) {
        byte[] whole = Der.encode(container(tagNo, tlvs));
        int content = 0;
        for (byte[] t : tlvs) {
            content += t.length;
        }
        return java.util.Arrays.copyOf(whole, whole.length - content);
    }

    private static List<byte[]> copyTlvs(List<byte[]> l, int tag, String field) {
        Objects.requireNonNull(l, field);
        List<byte[]> out = new ArrayList<>();
        for (byte[] t : l) {
            if (t == null || t.length < 2 || (t[0] & 0xFF) != tag) {
                throw new IllegalArgumentException(field + " holds an item that is not a " + Integer.toHexString(tag) + " TLV");
            }
            if (t.length > io.vinbind.esim.crypto.Scp03t.MAX_TLV_BYTES) {
                throw new IllegalArgumentException(field + " holds a TLV of " + t.length + " bytes, over 1020");
            }
            out.add(t.clone());
        }
        return List.copyOf(out);
    }

    private static List<byte[]> clone(List<byte[]> l) {
        List<byte[]> out = new ArrayList<>();
        l.forEach(b -> out.add(b.clone()));
        return out;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
