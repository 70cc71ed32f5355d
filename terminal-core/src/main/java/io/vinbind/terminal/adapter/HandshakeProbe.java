package io.vinbind.terminal.adapter;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Watches the terminal's side of a TLS handshake, so that a failed connect can say who refused whom. It wraps
 * the key and trust managers of the terminal's context and notes, per connect ({@link #reset()}), whether the
 * broker's certificate passed ({@link #brokerAccepted()}) and whether the terminal's certificate went out
 * ({@link #certificateSent()}). Both happen on the connecting thread, inside the handshake, before the socket
 * is handed back, so they are known when the connect fails.
 *
 * <p>Why: under TLS 1.3 a broker judges the client's certificate only after the client has finished its part of
 * the handshake. A refused certificate then shows as a connection closed right after the handshake, and the
 * alert saying why is often lost because the client's CONNECT write hits the closed socket first
 * ({@code Broken pipe}, {@code Connection reset}). "The broker's certificate was fine, ours went out, then the
 * broker hung up before CONNACK" is the broker refusing ours.
 *
 * <p>The key manager also offers the terminal's one certificate whatever CA names the broker lists in its
 * request (the JDK would otherwise send no certificate at all when the broker does not list the terminal's
 * CA), so that the broker sees, refuses and logs the actual certificate.
 */
final class HandshakeProbe {

    private volatile boolean brokerAccepted;
    private volatile boolean certificateSent;

    /** Forgets what the previous connect saw. */
    void reset() {
        brokerAccepted = false;
        certificateSent = false;
    }

    /** The broker's certificate passed the trust manager (chain, validity, host name) in this connect. */
    boolean brokerAccepted() {
        return brokerAccepted;
    }

    /** The terminal's certificate was chosen for the broker's certificate request in this connect. */
    boolean certificateSent() {
        return certificateSent;
    }

    /**
     * The terminal's key manager, offering its one key: {@code alias} as stored, or (where a key manager
     * renames its entries, as the JDK's PKIX one does) the one alias it lists for an EC or RSA client key.
     */
    X509ExtendedKeyManager keys(X509ExtendedKeyManager delegate, String storedAlias) {
        Objects.requireNonNull(delegate, "delegate");
        String alias = resolve(delegate, Objects.requireNonNull(storedAlias, "storedAlias"));
        String algorithm = delegate.getPrivateKey(alias).getAlgorithm();
        return new X509ExtendedKeyManager() {
            private String offer(String[] keyTypes) {
                if (keyTypes != null) {
                    for (String t : keyTypes) {
                        if (t != null && (t.equals(algorithm) || t.startsWith(algorithm + "_")
                                || (algorithm.equals("RSA") && t.equals("RSASSA-PSS")))) {
                            certificateSent = true;
                            return alias;
                        }
                    }
                }
                return null;
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return offer(keyType);
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return offer(keyType);
            }

            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return delegate.getClientAliases(keyType, issuers);
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return null; // the terminal is never a TLS server
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return null;
            }

            @Override
            public X509Certificate[] getCertificateChain(String a) {
                return delegate.getCertificateChain(a);
            }

            @Override
            public PrivateKey getPrivateKey(String a) {
                return delegate.getPrivateKey(a);
            }
        };
    }

    private static String resolve(X509ExtendedKeyManager km, String alias) {
        if (km.getPrivateKey(alias) != null) {
            return alias;
        }
        for (String type : new String[] {"EC", "RSA"}) {
            String[] aliases = km.getClientAliases(type, null);
            if (aliases != null && aliases.length == 1) {
                return aliases[0];
            }
        }
        throw new IllegalArgumentException("the key manager holds no key '" + alias + "' and not exactly one client key");
    }

    X509ExtendedTrustManager trust(X509ExtendedTrustManager delegate) {
        Objects.requireNonNull(delegate, "delegate");
        return new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                delegate.checkServerTrusted(chain, authType, socket);
                brokerAccepted = true;
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                delegate.checkServerTrusted(chain, authType, engine);
                brokerAccepted = true;
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("the terminal checks a broker's certificate only with its host name");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                throw new CertificateException("the terminal is never a TLS server");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                throw new CertificateException("the terminal is never a TLS server");
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("the terminal is never a TLS server");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return delegate.getAcceptedIssuers();
            }
        };
    }
}
