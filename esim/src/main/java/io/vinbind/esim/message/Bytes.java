package io.vinbind.esim.message;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Defensive copies and size checks for the byte-array fields of the message records. */
final class Bytes {
    private Bytes() {
    }

    static byte[] copy(byte[] b, String field) {
        if (b == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return b.clone();
    }

    static byte[] copyOrNull(byte[] b) {
        return b == null ? null : b.clone();
    }

    static byte[] sized(byte[] b, String field, int min, int max) {
        if (b == null || b.length < min || b.length > max) {
            throw new IllegalArgumentException(field + " must be " + (min == max ? min : min + "-" + max)
                + " bytes, got " + (b == null ? "null" : b.length));
        }
        return b.clone();
    }

    static List<byte[]> copyList(List<byte[]> l, String field) {
        if (l == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        List<byte[]> out = new ArrayList<>();
        for (byte[] b : l) {
            out.add(copy(b, field + " item"));
        }
        return List.copyOf(out);
    }

    static List<byte[]> cloneList(List<byte[]> l) {
        List<byte[]> out = new ArrayList<>();
        l.forEach(b -> out.add(b.clone()));
        return out;
    }

    static String hex(byte[] b) {
        return b == null ? "null" : HexFormat.of().formatHex(b);
    }
}
