package io.vinbind.terminal.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What the terminal needs for mutual TLS to the broker: the CA certificates the broker's certificate must chain
 * to ({@code mqtt.ca-file}: the OEM's service CA) and the terminal's own {@link TerminalCredential}
 * ({@code mqtt.cert-file}, {@code mqtt.key-file}). {@link #sslContext()} builds a JDK client context from them
 * in memory (a PKCS#12 {@link KeyStore} that never touches a disk, {@link KeyManagerFactory} and
 * {@link TrustManagerFactory}); sockets made from it speak only {@link #PROTOCOLS}.
 *
 * <p>The context checks the broker's chain and validity as the JDK does; the broker's <em>name</em> is checked
 * by the socket (endpoint identification {@code HTTPS}, which Paho turns on with
 * {@code setHttpsHostnameVerificationEnabled(true)}).
 *
 * @param trustAnchors the CAs trusted for the broker's certificate
 * @param credential   the terminal's chain and key
 */
public record TerminalTls(List<X509Certificate> trustAnchors, TerminalCredential credential) {

    /** TLS 1.2 and 1.3 only (RFC 8996 deprecates 1.0 and 1.1), newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The alias of the terminal's key in the key manager. */
    public static final String KEY_ALIAS = "terminal";

    private static final SecureRandom RANDOM = new SecureRandom();

    public TerminalTls {
        trustAnchors = List.copyOf(trustAnchors);
        Objects.requireNonNull(credential, "credential");
        if (trustAnchors.isEmpty()) {
            throw new IllegalArgumentException("no CA to trust for the broker's certificate");
        }
    }

    /** Reads all three files ({@link #readTrustAnchors}, {@link TerminalCredential#load}). */
    public static TerminalTls load(Path caFile, Path certFile, Path keyFile) throws CredentialException {
        return new TerminalTls(readTrustAnchors(caFile), TerminalCredential.load(certFile, keyFile));
    }

    /** The terminal id the credential proves: the CN of its certificate. */
    public String terminalId() {
        return credential.terminalId();
    }

    /**
     * The CA certificates of a PEM bundle, each of them a CA (basicConstraints CA:true): the broker's own
     * certificate does not belong here, the CA that issued it does.
     *
     * @throws CredentialException the file is refused, holds no certificate, or one that is not a CA
     */
    public static List<X509Certificate> readTrustAnchors(Path caFile) throws CredentialException {
        List<X509Certificate> cas = PemFiles.readCertificates(caFile);
        if (cas.isEmpty()) {
            throw new CredentialException(caFile, PemFiles.shown(caFile) + " holds no certificate");
        }
        for (X509Certificate c : cas) {
            if (c.getBasicConstraints() < 0) {
                throw new CredentialException(caFile, PemFiles.shown(caFile) + " holds " + TerminalCredential.describe(c)
                        + ", which is not a CA certificate: this file holds the CA that issued the broker's "
                        + "certificate, not a certificate of the broker or the terminal");
            }
        }
        return cas;
    }

    /**
     * A TLS client context presenting the credential and trusting {@link #trustAnchors()} for the server. Made
     * afresh each call; the caller restricts its sockets to {@link #PROTOCOLS} and checks the host name.
     */
    public SSLContext sslContext() throws GeneralSecurityException {
        return context(keyManager(), trustManager());
    }

    /** A TLS client context with these managers (e.g. the two of this material, wrapped). */
    public static SSLContext context(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust)
            throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, RANDOM);
        return context;
    }

    /** The JDK's key manager over the credential, from a PKCS#12 key store held in memory only. */
    public X509ExtendedKeyManager keyManager() throws GeneralSecurityException {
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + RANDOM.nextInt(26));
        }
        try {
            KeyStore keys = emptyPkcs12();
            keys.setKeyEntry(KEY_ALIAS, credential.privateKey(), password,
                    credential.chain().toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            for (KeyManager m : kmf.getKeyManagers()) {
                if (m instanceof X509ExtendedKeyManager x) {
                    return x;
                }
            }
            throw new GeneralSecurityException("the JDK's " + kmf.getAlgorithm() + " key manager is not an "
                    + "X509ExtendedKeyManager");
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The JDK's PKIX trust manager over {@link #trustAnchors()} (chain, validity, the peer's key usage). */
    public X509ExtendedTrustManager trustManager() throws GeneralSecurityException {
        KeyStore trust = emptyPkcs12();
        for (int i = 0; i < trustAnchors.size(); i++) {
            trust.setCertificateEntry("ca-" + i, trustAnchors.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        for (TrustManager m : tmf.getTrustManagers()) {
            if (m instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK's " + tmf.getAlgorithm() + " trust manager is not an "
                + "X509ExtendedTrustManager");
    }

    /** {@link #PROTOCOLS} that {@code supported} has, in that order; fails when it has none. */
    public static String[] protocols(String[] supported) {
        Set<String> offered = Set.of(supported);
        List<String> out = new ArrayList<>();
        for (String p : PROTOCOLS) {
            if (offered.contains(p)) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("this JDK supports none of " + PROTOCOLS + " (only "
                    + String.join(", ", supported) + ")");
        }
        return out.toArray(String[]::new);
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

    @Override
    public String toString() {
        return "TerminalTls[" + credential + ", " + trustAnchors.size() + " CA(s)]";
    }
}
