package io.vinbind.server.pki;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What TLS stacks need, built from the PEM files of the PKI: {@link SSLContext}s over the JDK's
 * {@link KeyManagerFactory}/{@link TrustManagerFactory} (keys and CAs held in an in-memory PKCS#12
 * {@link KeyStore}), and PKCS#12 key store and trust store files for stacks configured by file (HiveMQ's TLS
 * listener).
 *
 * <p>The contexts check certificates as the JDK does: chain to one of the CAs, validity, and the peer's extended
 * key usage (a client refuses a server certificate without serverAuth, a server refuses a client certificate
 * without clientAuth). They do not check revocation or the vinbind identity model: that is
 * {@link ChainCheck}'s job, after the handshake. Two things are the caller's, because an {@code SSLContext} cannot
 * carry them: a server demands a client certificate with {@code setNeedClientAuth(true)} on its socket or engine,
 * and a client checks the server's name with {@code SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}
 * (the server certificate's subjectAltNames hold {@code localhost} and {@code 127.0.0.1}).
 */
public final class TlsMaterial {

    /** The alias of the key entry in key stores written here. */
    public static final String KEY_ALIAS = "vinbind";

    private static final SecureRandom RANDOM = new SecureRandom();

    private TlsMaterial() {
    }

    /**
     * A TLS client context: presents the chain in {@code certChainFile} with {@code keyFile}, trusts the CA
     * certificates in {@code caFile} for the server.
     */
    public static SSLContext clientContext(Path caFile, Path certChainFile, Path keyFile) throws PkiException {
        return context(List.of(caFile), certChainFile, keyFile);
    }

    /**
     * A TLS server context: presents the chain in {@code certChainFile} with {@code keyFile}, trusts the CA
     * certificates in {@code caFile} (one or several, e.g. terminal CA and service CA concatenated) for clients.
     */
    public static SSLContext serverContext(Path caFile, Path certChainFile, Path keyFile) throws PkiException {
        return context(List.of(caFile), certChainFile, keyFile);
    }

    /** As {@link #serverContext(Path, Path, Path)}, trusting the CAs of several files (terminal CA, service CA). */
    public static SSLContext serverContext(List<Path> caFiles, Path certChainFile, Path keyFile) throws PkiException {
        return context(caFiles, certChainFile, keyFile);
    }

    /**
     * Writes a PKCS#12 key store holding the key and its chain under alias {@value #KEY_ALIAS}, store and key
     * protected by {@code password}, mode 0600.
     *
     * @return {@code target}
     */
    public static Path writePkcs12(Path target, Path certChainFile, Path keyFile, char[] password) throws PkiException {
        Objects.requireNonNull(password, "password");
        KeyStore ks = keyStore(certChainFile, keyFile, password);
        PemFiles.writeAtomically(target, store(ks, password, target), true);
        return target;
    }

    /**
     * Writes a PKCS#12 trust store holding every CA certificate of the given files as trusted certificate entries
     * ({@code ca-0}, {@code ca-1}, ...), protected by {@code password}, mode 0600.
     *
     * @return {@code target}
     */
    public static Path writeTrustStore(Path target, List<Path> caFiles, char[] password) throws PkiException {
        Objects.requireNonNull(password, "password");
        PemFiles.writeAtomically(target, store(trustStore(caFiles), password, target), true);
        return target;
    }

    /**
     * A fresh random password for a key store file: 32 characters of base64url from {@link SecureRandom} (192
     * bits). The caller clears the array when done with it.
     */
    public static char[] randomPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).toCharArray();
    }

    private static SSLContext context(List<Path> caFiles, Path certChainFile, Path keyFile) throws PkiException {
        char[] password = randomPassword();
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore(certChainFile, keyFile, password), password);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore(caFiles));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new PkiException(PkiException.Reason.INVALID_CHAIN, "cannot build a TLS context from " + certChainFile
                + " and " + keyFile + ": " + e, e);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static KeyStore keyStore(Path certChainFile, Path keyFile, char[] password) throws PkiException {
        List<X509Certificate> chain = PemFiles.readCertificates(certChainFile);
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        if (!Certificates.matches(key, chain.get(0))) {
            throw new PkiException(PkiException.Reason.FILE, "key " + keyFile + " does not belong to the first"
                + " certificate of " + certChainFile + ", " + Certificates.describe(chain.get(0)));
        }
        try {
            KeyStore ks = emptyPkcs12();
            ks.setKeyEntry(KEY_ALIAS, key, password, chain.toArray(X509Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException e) {
            throw new PkiException(PkiException.Reason.FILE, "cannot put the key of " + keyFile + " in a key store: " + e, e);
        }
    }

    private static KeyStore trustStore(List<Path> caFiles) throws PkiException {
        if (caFiles.isEmpty()) {
            throw new IllegalArgumentException("no CA file to trust");
        }
        List<X509Certificate> cas = new ArrayList<>();
        for (Path f : caFiles) {
            for (X509Certificate c : PemFiles.readCertificates(f)) {
                if (c.getBasicConstraints() < 0) {
                    throw new PkiException(PkiException.Reason.FILE, f + " holds " + Certificates.describe(c)
                        + ", which is not a CA certificate; a trust store holds CAs");
                }
                cas.add(c);
            }
        }
        try {
            KeyStore ks = emptyPkcs12();
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            return ks;
        } catch (GeneralSecurityException e) {
            throw new PkiException(PkiException.Reason.FILE, "cannot build a trust store from " + caFiles + ": " + e, e);
        }
    }

    private static KeyStore emptyPkcs12() throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot initialise an empty PKCS12 key store", e);
        }
        return ks;
    }

    private static byte[] store(KeyStore ks, char[] password, Path target) throws PkiException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ks.store(out, password);
        } catch (GeneralSecurityException | IOException e) {
            throw new PkiException(PkiException.Reason.FILE, "cannot encode the key store for " + target + ": " + e, e);
        }
        return out.toByteArray();
    }
}
