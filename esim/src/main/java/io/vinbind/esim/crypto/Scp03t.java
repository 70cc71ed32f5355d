package io.vinbind.esim.crypto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.BERTags;
import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.Mac;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.KDF2BytesGenerator;
import org.bouncycastle.crypto.macs.CMac;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.params.KDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * One direction of the SCP03t (BSP) protection of a bound profile package, SGP.22 §2.6.4: AES-128-CBC with
 * an ICV per TLV, AES-CMAC chained over every TLV (87, 88, 86), 8-byte MACs. The SM-DP+ protects with
 * {@link #encryptAndMac} / {@link #macOnly}; the eUICC checks with {@link #verifyAndDecrypt} /
 * {@link #verifyMacOnly}. Each TLV, protected or MAC-only, advances the block counter once, and the full
 * CMAC becomes the next MAC chaining value, so the TLVs must be checked in the order they were made.
 *
 * <p>Not thread-safe: one instance per download session.
 */
public final class Scp03t {

    /** SGP.22 §2.5.5: each 86/87/88 TLV, tag, length and MAC included, is at most this long. */
    public static final int MAX_TLV_BYTES = 1020;
    /** The most plaintext one TLV holds: 1020 - tag (1) - length (3) - MAC (8) = 1008 ciphertext bytes. */
    public static final int MAX_PLAINTEXT_PER_TLV = 1007;
    /** The length of the truncated C-MAC. */
    public static final int MAC_BYTES = 8;

    private final byte[] encKey;
    private final byte[] macKey;
    private byte[] mcv;
    private long blockCounter = 1;

    public Scp03t(SessionKeys keys) {
        this.encKey = keys.encKey();
        this.macKey = keys.macKey();
        this.mcv = keys.initialMacChainingValue();
    }

    /**
     * The BSP key derivation of SGP.22 §2.6.4.2: ANSI X9.63 KDF with SHA-256 over the ECKA shared secret, with
     * sharedInfo = keyType || keyLength || L(hostId) || hostId || L(EID) || EID; 48 bytes out, split into the
     * initial MAC chaining value, S-ENC and S-MAC.
     */
    public static SessionKeys deriveKeys(byte[] sharedSecret, int keyType, int keyLength, byte[] hostId, byte[] eid) {
        if (keyType != 0x88 || keyLength != 16) {
            throw new IllegalArgumentException(String.format(
                "only AES-128 (keyType 0x88, keyLength 16) is supported, got keyType 0x%02X keyLength %d",
                keyType, keyLength));
        }
        if (hostId.length < 1 || hostId.length > 16 || eid.length != 16) {
            throw new IllegalArgumentException("hostId must be 1-16 bytes and the EID 16, got " + hostId.length
                + " and " + eid.length);
        }
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.write(keyType);
        info.write(keyLength);
        info.write(hostId.length);
        info.writeBytes(hostId);
        info.write(eid.length);
        info.writeBytes(eid);
        KDF2BytesGenerator kdf = new KDF2BytesGenerator(new SHA256Digest()); // KDF2 counter from 1 = X9.63
        kdf.init(new KDFParameters(sharedSecret, info.toByteArray()));
        byte[] out = new byte[48];
        kdf.generateBytes(out, 0, out.length);
        return new SessionKeys(Arrays.copyOfRange(out, 0, 16), Arrays.copyOfRange(out, 16, 32),
            Arrays.copyOfRange(out, 32, 48));
    }

    /** Encrypts {@code plaintext} (padded 80 00..) and appends the MAC: the TLV {@code tag L ciphertext MAC}. */
    public byte[] encryptAndMac(int tag, byte[] plaintext) {
        checkTag(tag);
        if (plaintext.length > MAX_PLAINTEXT_PER_TLV) {
            throw new IllegalArgumentException("at most " + MAX_PLAINTEXT_PER_TLV + " plaintext bytes per TLV, got "
                + plaintext.length);
        }
        byte[] padded = Arrays.copyOf(plaintext, (plaintext.length / 16 + 1) * 16);
        padded[plaintext.length] = (byte) 0x80;
        byte[] cipher = cbc(true, padded);
        return mac(tag, cipher);
    }

    /** MACs {@code plaintext} without encrypting it (StoreMetadata, tag 88); still advances the counter. */
    public byte[] macOnly(int tag, byte[] plaintext) {
        checkTag(tag);
        if (plaintext.length > MAX_TLV_BYTES - 4 - MAC_BYTES) {
            throw new IllegalArgumentException("MAC-only TLV too long: " + plaintext.length + " bytes");
        }
        blockCounter++;
        return mac(tag, plaintext);
    }

    /** Checks the MAC of one encrypted TLV and returns its plaintext. */
    public byte[] verifyAndDecrypt(byte[] tlv) throws Scp03tException {
        byte[] data = verify(tlv);
        if (data.length == 0 || data.length % 16 != 0) {
            blockCounter++;
            throw new Scp03tException(false, "ciphertext of " + data.length + " bytes is not a multiple of 16");
        }
        byte[] padded = cbc(false, data);
        int end = padded.length - 1;
        while (end >= 0 && padded[end] == 0) {
            end--;
        }
        if (end < 0 || padded[end] != (byte) 0x80 || padded.length - end > 16) {
            throw new Scp03tException(false, "bad 80 00.. padding after decryption");
        }
        return Arrays.copyOf(padded, end);
    }

    /** Checks the MAC of one MAC-only TLV and returns its data. */
    public byte[] verifyMacOnly(byte[] tlv) throws Scp03tException {
        byte[] data = verify(tlv);
        blockCounter++;
        return data;
    }

    private byte[] verify(byte[] tlv) throws Scp03tException {
        if (tlv.length > MAX_TLV_BYTES) {
            throw new Scp03tException(false, "TLV of " + tlv.length + " bytes exceeds " + MAX_TLV_BYTES);
        }
        byte[] value;
        try {
            ASN1Primitive parsed = ASN1Primitive.fromByteArray(tlv);
            if (!(parsed instanceof ASN1TaggedObject t) || t.getTagClass() != BERTags.CONTEXT_SPECIFIC
                || t.getTagNo() < 6 || t.getTagNo() > 8) {
                throw new Scp03tException(false, String.format("not an 86/87/88 TLV (first byte %02X)", tlv[0] & 0xFF));
            }
            value = ASN1OctetString.getInstance(t, false).getOctets();
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            throw new Scp03tException(false, "malformed protected TLV: " + e.getMessage());
        }
        if (value.length < MAC_BYTES) {
            throw new Scp03tException(false, "TLV value of " + value.length + " bytes is shorter than the MAC");
        }
        int valueStart = tlv.length - value.length;
        byte[] data = Arrays.copyOfRange(tlv, valueStart, tlv.length - MAC_BYTES);
        byte[] received = Arrays.copyOfRange(tlv, tlv.length - MAC_BYTES, tlv.length);
        byte[] full = cmac(concat(mcv, Arrays.copyOfRange(tlv, 0, valueStart), data));
        if (!MessageDigest.isEqual(Arrays.copyOf(full, MAC_BYTES), received)) {
            throw new Scp03tException(true, String.format("MAC mismatch on TLV tag %02X (block %d)", tlv[0] & 0xFF,
                blockCounter));
        }
        mcv = full;
        return data;
    }

    private byte[] mac(int tag, byte[] data) {
        byte[] head = concat(new byte[] {(byte) tag}, berLength(data.length + MAC_BYTES));
        byte[] full = cmac(concat(mcv, head, data));
        mcv = full;
        return concat(head, data, Arrays.copyOf(full, MAC_BYTES));
    }

    private byte[] cbc(boolean encrypt, byte[] data) {
        BlockCipher aes = AESEngine.newInstance();
        aes.init(true, new KeyParameter(encKey));
        byte[] counter = new byte[16];
        long c = blockCounter++;
        for (int i = 15; i >= 8; i--) {
            counter[i] = (byte) c;
            c >>>= 8;
        }
        byte[] icv = new byte[16];
        aes.processBlock(counter, 0, icv, 0);
        CBCBlockCipher cbc = (CBCBlockCipher) CBCBlockCipher.newInstance(AESEngine.newInstance());
        cbc.init(encrypt, new ParametersWithIV(new KeyParameter(encKey), icv));
        byte[] out = new byte[data.length];
        for (int off = 0; off < data.length; off += 16) {
            cbc.processBlock(data, off, out, off);
        }
        return out;
    }

    private byte[] cmac(byte[] data) {
        Mac m = new CMac(AESEngine.newInstance());
        m.init(new KeyParameter(macKey));
        m.update(data, 0, data.length);
        byte[] out = new byte[16];
        m.doFinal(out, 0);
        return out;
    }

    private static void checkTag(int tag) {
        if (tag != 0x86 && tag != 0x87 && tag != 0x88) {
            throw new IllegalArgumentException(String.format("SCP03t protects tags 86, 87, 88 only, got %02X", tag));
        }
    }

    static byte[] berLength(int len) {
        if (len < 0x80) {
            return new byte[] {(byte) len};
        }
        if (len < 0x100) {
            return new byte[] {(byte) 0x81, (byte) len};
        }
        return new byte[] {(byte) 0x82, (byte) (len >> 8), (byte) len};
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
