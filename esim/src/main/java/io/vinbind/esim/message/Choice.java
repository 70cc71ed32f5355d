package io.vinbind.esim.message;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1TaggedObject;

/** Unwraps the EXPLICIT tag of a CHOICE type (AUTOMATIC TAGS makes a tagged CHOICE explicit). */
final class Choice {
    private Choice() {
    }

    /** The single alternative inside {@code outer}, which must itself be a context-tagged element. */
    static ASN1TaggedObject of(ASN1TaggedObject outer, String structure) {
        ASN1Encodable inner;
        try {
            inner = outer.getExplicitBaseObject();
        } catch (RuntimeException e) {
            throw new MalformedMessageException(structure, "CHOICE is not explicitly tagged", e);
        }
        if (!(inner instanceof ASN1TaggedObject t) || t.getTagClass() != Der.CONTEXT) {
            throw new MalformedMessageException(structure, "CHOICE alternative must be a context tag, got "
                + Der.describe(inner));
        }
        return t;
    }
}
