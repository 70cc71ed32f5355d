package io.vinbind.esim.message;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Boolean;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.Certificate;

/**
 * The thin layer between the SGP.22 records and BouncyCastle's ASN.1 classes: building DER with the tags of
 * RSPDefinitions (AUTOMATIC TAGS, so most fields are IMPLICIT context tags) and reading it back field by
 * field with {@link Reader}, which turns every BouncyCastle complaint into a {@link MalformedMessageException}
 * naming the structure and field.
 */
public final class Der {

    public static final int CONTEXT = BERTags.CONTEXT_SPECIFIC;
    public static final int APPLICATION = BERTags.APPLICATION;
    public static final int PRIVATE = BERTags.PRIVATE;

    private Der() {
    }

    /** Parses one DER element, refusing trailing bytes. */
    public static ASN1Primitive parse(byte[] der, String structure) {
        if (der == null || der.length == 0) {
            throw new MalformedMessageException(structure, "no bytes");
        }
        try {
            return ASN1Primitive.fromByteArray(der);
        } catch (IOException | RuntimeException e) {
            throw new MalformedMessageException(structure, "not a single DER element: " + e.getMessage(), e);
        }
    }

    /** Parses one element that must carry the given tag. */
    public static ASN1TaggedObject parseTagged(byte[] der, int tagClass, int tagNo, String structure) {
        ASN1Primitive p = parse(der, structure);
        if (!(p instanceof ASN1TaggedObject t) || t.getTagClass() != tagClass || t.getTagNo() != tagNo) {
            throw new MalformedMessageException(structure, "expected tag " + tagName(tagClass, tagNo) + ", got "
                + describe(p));
        }
        return t;
    }

    /** Parses an element with an IMPLICIT constructed tag (e.g. BF20) and returns a reader over its fields. */
    public static Reader parseSequence(byte[] der, int tagClass, int tagNo, String structure) {
        return Reader.implicit(parseTagged(der, tagClass, tagNo, structure), structure);
    }

    public static byte[] encode(ASN1Encodable e) {
        try {
            return e.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException ex) {
            throw new IllegalStateException("DER encoding failed", ex);
        }
    }

    /** An IMPLICIT tag over {@code base}: the base's own tag is replaced. */
    public static DERTaggedObject implicit(int tagClass, int tagNo, ASN1Encodable base) {
        return new DERTaggedObject(false, tagClass, tagNo, base);
    }

    /** An EXPLICIT tag around {@code base} (CHOICE types under AUTOMATIC TAGS). */
    public static DERTaggedObject explicit(int tagClass, int tagNo, ASN1Encodable base) {
        return new DERTaggedObject(true, tagClass, tagNo, base);
    }

    public static DERTaggedObject ctx(int tagNo, byte[] octets) {
        return implicit(CONTEXT, tagNo, new DEROctetString(octets));
    }

    public static DERTaggedObject ctx(int tagNo, ASN1Encodable base) {
        return implicit(CONTEXT, tagNo, base);
    }

    public static DERTaggedObject app(int tagNo, byte[] octets) {
        return implicit(APPLICATION, tagNo, new DEROctetString(octets));
    }

    public static DERTaggedObject ctxInt(int tagNo, long v) {
        return implicit(CONTEXT, tagNo, new ASN1Integer(v));
    }

    public static DERTaggedObject ctxUtf8(int tagNo, String s) {
        return implicit(CONTEXT, tagNo, new DERUTF8String(s));
    }

    /** A constructed IMPLICIT tag over a SEQUENCE of {@code fields}. */
    public static DERTaggedObject seq(int tagClass, int tagNo, ASN1Encodable... fields) {
        return implicit(tagClass, tagNo, new DERSequence(fields));
    }

    public static DERSequence seq(ASN1Encodable... fields) {
        return new DERSequence(fields);
    }

    public static DERSequence seq(List<? extends ASN1Encodable> fields) {
        ASN1EncodableVector v = new ASN1EncodableVector();
        fields.forEach(v::add);
        return new DERSequence(v);
    }

    /** Drops the nulls (absent OPTIONAL fields) and builds a SEQUENCE. */
    public static ASN1Encodable[] present(ASN1Encodable... fields) {
        List<ASN1Encodable> out = new ArrayList<>();
        for (ASN1Encodable f : fields) {
            if (f != null) {
                out.add(f);
            }
        }
        return out.toArray(new ASN1Encodable[0]);
    }

    /** An X.509 certificate given as DER, checked to be one, for embedding. */
    public static Certificate certificate(byte[] der, String structure) {
        try {
            return Certificate.getInstance(parse(der, structure));
        } catch (RuntimeException e) {
            throw new MalformedMessageException(structure, "not an X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** A named BIT STRING with the given bit numbers set (DER: trailing zero bits dropped). */
    public static DERBitString namedBits(int... bits) {
        int max = -1;
        for (int b : bits) {
            max = Math.max(max, b);
        }
        if (max < 0) {
            return new DERBitString(new byte[0], 0);
        }
        byte[] data = new byte[max / 8 + 1];
        for (int b : bits) {
            data[b / 8] |= (byte) (0x80 >> (b % 8));
        }
        return new DERBitString(data, 7 - (max % 8));
    }

    /** The bit numbers set in a BIT STRING. */
    public static List<Integer> bitsOf(ASN1BitString s) {
        List<Integer> out = new ArrayList<>();
        byte[] data = s.getBytes();
        int n = data.length * 8 - s.getPadBits();
        for (int i = 0; i < n; i++) {
            if ((data[i / 8] & (0x80 >> (i % 8))) != 0) {
                out.add(i);
            }
        }
        return out;
    }

    static String tagName(int tagClass, int tagNo) {
        String c = switch (tagClass) {
            case BERTags.CONTEXT_SPECIFIC -> "";
            case BERTags.APPLICATION -> "APPLICATION ";
            case BERTags.PRIVATE -> "PRIVATE ";
            default -> "UNIVERSAL ";
        };
        return "[" + c + tagNo + "]";
    }

    static String describe(ASN1Encodable e) {
        if (e == null) {
            return "nothing";
        }
        if (e instanceof ASN1TaggedObject t) {
            return "tag " + tagName(t.getTagClass(), t.getTagNo());
        }
        return e.getClass().getSimpleName();
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /**
     * Reads the fields of a SEQUENCE in order. Each getter takes the next field if it has the expected tag;
     * required getters throw {@link MalformedMessageException} naming the structure and field when it is
     * missing or malformed, optional ones return null. {@link #end()} refuses fields left over.
     */
    public static final class Reader {
        private final ASN1Encodable[] fields;
        private final String structure;
        private int next;

        private Reader(ASN1Encodable[] fields, String structure) {
            this.fields = fields;
            this.structure = structure;
        }

        public static Reader of(ASN1Encodable seq, String structure) {
            if (!(seq instanceof ASN1Sequence s)) {
                throw new MalformedMessageException(structure, "expected a SEQUENCE, got " + describe(seq));
            }
            return new Reader(s.toArray(), structure);
        }

        public static Reader implicit(ASN1TaggedObject t, String structure) {
            try {
                return new Reader(ASN1Sequence.getInstance(t.getBaseUniversal(false, BERTags.SEQUENCE)).toArray(), structure);
            } catch (RuntimeException e) {
                throw new MalformedMessageException(structure, "tag " + tagName(t.getTagClass(), t.getTagNo())
                    + " does not hold a SEQUENCE: " + e.getMessage(), e);
            }
        }

        public String structure() {
            return structure;
        }

        public boolean has(int tagClass, int tagNo) {
            return next < fields.length && fields[next] instanceof ASN1TaggedObject t
                && t.getTagClass() == tagClass && t.getTagNo() == tagNo;
        }

        public boolean hasMore() {
            return next < fields.length;
        }

        /** The next field, whatever it is (for CHOICE). */
        public ASN1Encodable peek() {
            return next < fields.length ? fields[next] : null;
        }

        public ASN1TaggedObject tagged(int tagClass, int tagNo, String field) {
            if (!has(tagClass, tagNo)) {
                throw new MalformedMessageException(structure, field + " " + tagName(tagClass, tagNo)
                    + " missing (found " + describe(peek()) + ")");
            }
            return (ASN1TaggedObject) fields[next++];
        }

        public ASN1TaggedObject optTagged(int tagClass, int tagNo) {
            return has(tagClass, tagNo) ? (ASN1TaggedObject) fields[next++] : null;
        }

        public byte[] octets(int tagClass, int tagNo, String field) {
            return octetsOf(tagged(tagClass, tagNo, field), field);
        }

        public byte[] octets(int tagClass, int tagNo, String field, int minLen, int maxLen) {
            byte[] b = octets(tagClass, tagNo, field);
            if (b.length < minLen || b.length > maxLen) {
                throw new MalformedMessageException(structure, field + " has " + b.length + " bytes, expected "
                    + (minLen == maxLen ? String.valueOf(minLen) : minLen + "-" + maxLen));
            }
            return b;
        }

        public byte[] optOctets(int tagClass, int tagNo, String field) {
            ASN1TaggedObject t = optTagged(tagClass, tagNo);
            return t == null ? null : octetsOf(t, field);
        }

        public String utf8(int tagClass, int tagNo, String field) {
            return utf8Of(tagged(tagClass, tagNo, field), field);
        }

        public String optUtf8(int tagClass, int tagNo, String field) {
            ASN1TaggedObject t = optTagged(tagClass, tagNo);
            return t == null ? null : utf8Of(t, field);
        }

        public long integer(int tagClass, int tagNo, String field) {
            return intOf(tagged(tagClass, tagNo, field), field);
        }

        public Long optInteger(int tagClass, int tagNo, String field) {
            ASN1TaggedObject t = optTagged(tagClass, tagNo);
            return t == null ? null : intOf(t, field);
        }

        public boolean bool(int tagClass, int tagNo, String field) {
            ASN1TaggedObject t = tagged(tagClass, tagNo, field);
            try {
                return ASN1Boolean.getInstance(t.getBaseUniversal(false, BERTags.BOOLEAN)).isTrue();
            } catch (RuntimeException e) {
                throw new MalformedMessageException(structure, field + " is not a BOOLEAN", e);
            }
        }

        public ASN1BitString bits(int tagClass, int tagNo, String field) {
            ASN1TaggedObject t = tagged(tagClass, tagNo, field);
            try {
                return ASN1BitString.getInstance(t.getBaseUniversal(false, BERTags.BIT_STRING));
            } catch (RuntimeException e) {
                throw new MalformedMessageException(structure, field + " is not a BIT STRING", e);
            }
        }

        public ASN1ObjectIdentifier oid(int tagClass, int tagNo, String field) {
            ASN1TaggedObject t = tagged(tagClass, tagNo, field);
            try {
                return ASN1ObjectIdentifier.getInstance(t.getBaseUniversal(false, BERTags.OBJECT_IDENTIFIER));
            } catch (RuntimeException e) {
                throw new MalformedMessageException(structure, field + " is not an OBJECT IDENTIFIER", e);
            }
        }

        /** A field with an IMPLICIT constructed tag holding a SEQUENCE (or SEQUENCE OF). */
        public Reader sequence(int tagClass, int tagNo, String field) {
            return Reader.implicit(tagged(tagClass, tagNo, field), structure + "." + field);
        }

        public Reader optSequence(int tagClass, int tagNo, String field) {
            ASN1TaggedObject t = optTagged(tagClass, tagNo);
            return t == null ? null : Reader.implicit(t, structure + "." + field);
        }

        /** The next field, which must be untagged of the given universal class (a SEQUENCE, an INTEGER...). */
        public <T extends ASN1Encodable> T universal(Class<T> type, String field) {
            ASN1Encodable e = peek();
            if (!type.isInstance(e)) {
                throw new MalformedMessageException(structure, field + " (" + type.getSimpleName() + ") missing (found "
                    + describe(e) + ")");
            }
            next++;
            return type.cast(e);
        }

        public <T extends ASN1Encodable> T optUniversal(Class<T> type) {
            ASN1Encodable e = peek();
            if (type.isInstance(e)) {
                next++;
                return type.cast(e);
            }
            return null;
        }

        /** The next field as an untagged SEQUENCE, read field by field. */
        public Reader universalSequence(String field) {
            return Reader.of(universal(ASN1Sequence.class, field), structure + "." + field);
        }

        /** An embedded X.509 certificate, returned as its DER. */
        public byte[] certificate(String field) {
            ASN1Sequence s = universal(ASN1Sequence.class, field);
            try {
                return Certificate.getInstance(s).getEncoded(ASN1Encoding.DER);
            } catch (IOException | RuntimeException e) {
                throw new MalformedMessageException(structure, field + " is not an X.509 certificate: " + e.getMessage(), e);
            }
        }

        /** The remaining elements (for SEQUENCE OF). */
        public List<ASN1Encodable> rest() {
            List<ASN1Encodable> out = new ArrayList<>();
            while (next < fields.length) {
                out.add(fields[next++]);
            }
            return out;
        }

        public void end() {
            if (next < fields.length) {
                throw new MalformedMessageException(structure, "unexpected " + describe(fields[next]) + " after the last field");
            }
        }

        public MalformedMessageException error(String problem) {
            return new MalformedMessageException(structure, problem);
        }

        private byte[] octetsOf(ASN1TaggedObject t, String field) {
            try {
                return ASN1OctetString.getInstance(t.getBaseUniversal(false, BERTags.OCTET_STRING)).getOctets();
            } catch (RuntimeException e) {
                throw new MalformedMessageException(structure, field + " is not an OCTET STRING", e);
            }
        }

        private String utf8Of(ASN1TaggedObject t, String field) {
            try {
                return ASN1UTF8String.getInstance(t.getBaseUniversal(false, BERTags.UTF8_STRING)).getString();
            } catch (RuntimeException e) {
                throw new MalformedMessageException(structure, field + " is not a UTF8String", e);
            }
        }

        private long intOf(ASN1TaggedObject t, String field) {
            try {
                BigInteger v = ASN1Integer.getInstance(t.getBaseUniversal(false, BERTags.INTEGER)).getValue();
                return v.longValueExact();
            } catch (RuntimeException e) {
                throw new MalformedMessageException(structure, field + " is not an INTEGER that fits 64 bits", e);
            }
        }
    }

    /** The OCTET STRING under an IMPLICIT tag of any class (BouncyCastle's getInstance accepts context tags only). */
    public static byte[] implicitOctets(ASN1TaggedObject t, String structure) {
        try {
            return ASN1OctetString.getInstance(t.getBaseUniversal(false, BERTags.OCTET_STRING)).getOctets();
        } catch (RuntimeException e) {
            throw new MalformedMessageException(structure, "tag " + tagName(t.getTagClass(), t.getTagNo())
                + " does not hold an OCTET STRING", e);
        }
    }

    /** UTF-8 bytes (for sizes of UTF8String fields). */
    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
