package io.vinbind.esim.crypto;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * The elliptic-curve operations of RSP on NIST P-256 (SGP.22 §2.6.5, BSI TR-03111): one-time key pairs,
 * ECKA (ECDH, the shared secret is the x coordinate), ECDSA-SHA256 signatures in the plain r||s form RSP
 * puts in its 5F37 fields, and the uncompressed point coding of 5F49 fields. brainpoolP256r1, which SGP.22
 * also allows, is not offered: the bench's PKI and the SGP.26 test identity are P-256.
 */
public final class Ecc {

    /** Length of an uncompressed P-256 point: 04 || X (32) || Y (32). */
    public static final int POINT_BYTES = 65;
    /** Length of a plain r||s signature. */
    public static final int SIGNATURE_BYTES = 64;

    private static final ECParameterSpec P256;
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec("secp256r1"));
            P256 = p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Ecc() {
    }

    public static ECParameterSpec p256() {
        return P256;
    }

    /** A fresh P-256 key pair (the one-time keys otPK/otSK of §3.1.3). */
    public static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(P256, RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 key generation unavailable", e);
        }
    }

    /** The P-256 private key with scalar {@code d} (big-endian). */
    public static PrivateKey privateKey(byte[] d) {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(new BigInteger(1, d), P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 private key: " + e.getMessage(), e);
        }
    }

    /** 04 || X || Y of a P-256 public key. */
    public static byte[] encodePoint(PublicKey key) {
        if (!(key instanceof ECPublicKey ec) || !sameCurve(ec.getParams())) {
            throw new IllegalArgumentException("not a P-256 public key: " + key.getAlgorithm());
        }
        byte[] out = new byte[POINT_BYTES];
        out[0] = 0x04;
        fixed32(ec.getW().getAffineX(), out, 1);
        fixed32(ec.getW().getAffineY(), out, 33);
        return out;
    }

    /**
     * Decodes an uncompressed P-256 point and checks that it lies on the curve (an invalid-curve point must
     * never reach the key agreement).
     */
    public static ECPublicKey decodePoint(byte[] point) {
        if (point == null || point.length != POINT_BYTES || point[0] != 0x04) {
            throw new IllegalArgumentException("not an uncompressed P-256 point (04 || X || Y, 65 bytes): "
                + (point == null ? "null" : point.length + " bytes"));
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(point, 1, 33));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(point, 33, 65));
        EllipticCurve c = P256.getCurve();
        BigInteger p = ((ECFieldFp) c.getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0
            || !y.modPow(BigInteger.TWO, p).equals(x.pow(3).add(c.getA().multiply(x)).add(c.getB()).mod(p))) {
            throw new IllegalArgumentException("point is not on P-256");
        }
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 public key: " + e.getMessage(), e);
        }
    }

    /** ECKA-DH: the 32-byte x coordinate of d·Q. */
    public static byte[] sharedSecret(PrivateKey own, PublicKey other) {
        try {
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(own);
            ka.doPhase(other, true);
            return ka.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("ECKA failed: " + e.getMessage(), e);
        }
    }

    /** ECDSA with SHA-256 over {@code data}, as r||s (64 bytes). */
    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initSign(key, RANDOM);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("ECDSA signing failed: " + e.getMessage(), e);
        }
    }

    /** Verifies an r||s signature; false for a wrong signature or a malformed one. */
    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Random bytes (challenges, transaction ids, host ids). */
    public static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static boolean sameCurve(ECParameterSpec s) {
        return s.getCurve().equals(P256.getCurve()) && s.getGenerator().equals(P256.getGenerator());
    }

    private static void fixed32(BigInteger v, byte[] out, int off) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, off + 32 - n, n);
    }
}
