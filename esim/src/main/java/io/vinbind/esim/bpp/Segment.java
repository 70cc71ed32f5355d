package io.vinbind.esim.bpp;

import java.util.Objects;

/**
 * One segment of a bound profile package as SGP.22 §2.5.5 cuts it, sent to the eUICC as its own ES10b
 * LoadBoundProfilePackage STORE DATA sequence.
 *
 * @param kind what the segment carries
 * @param bytes the segment's bytes
 */
public record Segment(Kind kind, byte[] bytes) {

    /** The segment kinds, in the order they are sent. */
    public enum Kind {
        /** BF36 tag and length with the whole BF23. */
        INITIALISE_SECURE_CHANNEL,
        /** An 87 of A0 (the first with A0's tag and length). */
        CONFIGURE_ISDP,
        /** A1's tag and length alone. */
        STORE_METADATA_HEADER,
        /** One 88. */
        STORE_METADATA,
        /** An 87 of A2 (the first with A2's tag and length). */
        REPLACE_SESSION_KEYS,
        /** A3's tag and length alone. */
        PROFILE_ELEMENTS_HEADER,
        /** One 86. */
        PROFILE_ELEMENTS
    }

    public Segment {
        Objects.requireNonNull(kind, "kind");
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }
}
