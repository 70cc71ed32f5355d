package io.vinbind.esim;

import java.util.HexFormat;

/** Test helper: hex with spaces and line breaks allowed, so bytes can be written out field by field. */
public final class Hex {
    private Hex() {
    }

    public static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    public static String of(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
