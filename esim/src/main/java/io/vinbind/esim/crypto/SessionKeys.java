package io.vinbind.esim.crypto;

import java.util.Arrays;

/**
 * The three values the SCP03t (BSP) key derivation yields, or that a ReplaceSessionKeys (BF26) carries:
 * the initial MAC chaining value, S-ENC and S-MAC (SGP.22 §2.6.4.2 and §2.5.4).
 *
 * @param initialMacChainingValue 16 bytes, the MCV before the first protected TLV
 * @param encKey S-ENC (AES-128)
 * @param macKey S-MAC (AES-128)
 */
public record SessionKeys(byte[] initialMacChainingValue, byte[] encKey, byte[] macKey) {

    public SessionKeys {
        initialMacChainingValue = copy16(initialMacChainingValue, "initialMacChainingValue");
        encKey = copy16(encKey, "encKey");
        macKey = copy16(macKey, "macKey");
    }

    @Override
    public byte[] initialMacChainingValue() {
        return initialMacChainingValue.clone();
    }

    @Override
    public byte[] encKey() {
        return encKey.clone();
    }

    @Override
    public byte[] macKey() {
        return macKey.clone();
    }

    private static byte[] copy16(byte[] b, String name) {
        if (b == null || b.length != 16) {
            throw new IllegalArgumentException(name + " must be 16 bytes, got " + (b == null ? "null" : b.length));
        }
        return b.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionKeys k && Arrays.equals(initialMacChainingValue, k.initialMacChainingValue)
            && Arrays.equals(encKey, k.encKey) && Arrays.equals(macKey, k.macKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encKey);
    }

    /** Never prints key material. */
    @Override
    public String toString() {
        return "SessionKeys[***]";
    }
}
