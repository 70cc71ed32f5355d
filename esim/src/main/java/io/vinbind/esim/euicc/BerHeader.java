package io.vinbind.esim.euicc;

/**
 * The tag and length of a constructed BER element whose content arrives in later segments (SGP.22 §2.5.5
 * sends "BF36 L", "A1 L", "A3 L" ahead of their contents). BouncyCastle parses complete elements only, so
 * this reads just the header bytes; every complete TLV a segment carries is parsed by BouncyCastle.
 *
 * @param tag the tag bytes as an int (e.g. 0xBF36, 0xA0)
 * @param length the declared content length
 * @param headerLength bytes of tag and length
 */
record BerHeader(int tag, int length, int headerLength) {

    /** Reads the header at the start of {@code b}, or throws IllegalArgumentException naming the problem. */
    static BerHeader read(byte[] b) {
        if (b.length < 2) {
            throw new IllegalArgumentException("segment of " + b.length + " bytes has no tag and length");
        }
        int i = 0;
        int tag = b[i++] & 0xFF;
        if ((tag & 0x1F) == 0x1F) {
            int next = b[i++] & 0xFF;
            if ((next & 0x80) != 0 || i >= b.length) {
                throw new IllegalArgumentException("tags of more than two bytes are not used by a BPP");
            }
            tag = (tag << 8) | next;
        }
        int first = b[i++] & 0xFF;
        int length;
        if (first < 0x80) {
            length = first;
        } else {
            int n = first & 0x7F;
            if (n < 1 || n > 3 || i + n > b.length) {
                throw new IllegalArgumentException(String.format("bad length byte %02X in the segment header", first));
            }
            length = 0;
            for (int k = 0; k < n; k++) {
                length = (length << 8) | (b[i++] & 0xFF);
            }
        }
        return new BerHeader(tag, length, i);
    }
}
