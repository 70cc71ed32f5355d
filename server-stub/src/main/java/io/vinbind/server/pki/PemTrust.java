package io.vinbind.server.pki;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS client context that trusts exactly the CA certificates of some PEM files (an operator's SM-DP+, a webhook's
 * server, the server's own API for its CLIs), instead of the JDK's default trust store.
 */
public final class PemTrust {

    private PemTrust() {
    }

    /**
     * @throws IOException naming the file that cannot be read, holds no certificate or is not PEM
     */
    public static SSLContext trusting(List<Path> pems) throws IOException {
        if (pems.isEmpty()) {
            throw new IOException("no CA certificate file given");
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int n = 0;
            for (Path pem : pems) {
                int before = n;
                try (InputStream in = Files.newInputStream(pem)) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        ks.setCertificateEntry("ca" + n++, c);
                    }
                } catch (java.security.cert.CertificateException e) {
                    throw new IOException(pem + " is not a PEM certificate file: " + e.getMessage(), e);
                }
                if (n == before) {
                    throw new IOException(pem + " holds no certificate");
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("trust store from " + pems + ": " + e.getMessage(), e);
        }
    }

    /** {@link #trusting(List)} of one file. */
    public static SSLContext trusting(Path pem) throws IOException {
        return trusting(List.of(pem));
    }
}
