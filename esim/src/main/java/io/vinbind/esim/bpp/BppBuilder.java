package io.vinbind.esim.bpp;

import io.vinbind.esim.crypto.Scp03t;
import io.vinbind.esim.crypto.SessionKeys;
import io.vinbind.esim.message.ConfigureIsdpRequest;
import io.vinbind.esim.message.InitialiseSecureChannelRequest;
import io.vinbind.esim.message.ReplaceSessionKeysRequest;
import io.vinbind.esim.message.StoreMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Binds a profile package to one download session (the SM-DP+'s side of SGP.22 §2.5.4 and §2.6.4): encrypts
 * ConfigureISDP, MACs StoreMetadata, optionally carries ReplaceSessionKeys, and encrypts the profile
 * elements in 86 TLVs of at most 1020 bytes, all under one SCP03t MAC chain.
 */
public final class BppBuilder {

    /** Most bytes of StoreMetadata one 88 TLV carries (1020 - tag - 3 length bytes - MAC). */
    static final int MAX_MAC_ONLY = Scp03t.MAX_TLV_BYTES - 4 - Scp03t.MAC_BYTES;

    private BppBuilder() {
    }

    /**
     * @param isc the signed InitialiseSecureChannel request
     * @param sessionKeys the keys derived from the ECKA with the eUICC's one-time key
     * @param configureIsdp the ConfigureISDP request
     * @param metadata the profile's metadata
     * @param profileElements the PE sequence (plaintext)
     * @param profileProtectionKeys keys for the profile elements sent in ReplaceSessionKeys (A2), or null to
     *     protect them with the session keys
     */
    public static BoundProfilePackage bind(InitialiseSecureChannelRequest isc, SessionKeys sessionKeys,
                                           ConfigureIsdpRequest configureIsdp, StoreMetadata metadata,
                                           byte[] profileElements, SessionKeys profileProtectionKeys) {
        Scp03t s = new Scp03t(sessionKeys);
        List<byte[]> a0 = new ArrayList<>();
        for (byte[] chunk : chunks(configureIsdp.encode(), Scp03t.MAX_PLAINTEXT_PER_TLV)) {
            a0.add(s.encryptAndMac(0x87, chunk));
        }
        List<byte[]> a1 = new ArrayList<>();
        for (byte[] chunk : chunks(metadata.encode(), MAX_MAC_ONLY)) {
            a1.add(s.macOnly(0x88, chunk));
        }
        List<byte[]> a2 = null;
        Scp03t pe = s;
        if (profileProtectionKeys != null) {
            a2 = new ArrayList<>();
            for (byte[] chunk : chunks(new ReplaceSessionKeysRequest(profileProtectionKeys).encode(), Scp03t.MAX_PLAINTEXT_PER_TLV)) {
                a2.add(s.encryptAndMac(0x87, chunk));
            }
            pe = new Scp03t(profileProtectionKeys);
        }
        List<byte[]> a3 = new ArrayList<>();
        for (byte[] chunk : chunks(profileElements, Scp03t.MAX_PLAINTEXT_PER_TLV)) {
            a3.add(pe.encryptAndMac(0x86, chunk));
        }
        return new BoundProfilePackage(isc, a0, a1, a2, a3);
    }

    static List<byte[]> chunks(byte[] data, int size) {
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < data.length; off += size) {
            out.add(Arrays.copyOfRange(data, off, Math.min(data.length, off + size)));
        }
        if (out.isEmpty()) {
            out.add(new byte[0]);
        }
        return out;
    }
}
