package io.vinbind.terminal.tls;

import io.vinbind.log.Untrusted;
import io.vinbind.protocol.Identifiers;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import org.tinylog.Logger;

/**
 * The terminal's own credential, issued at the terminal factory: its certificate chain (leaf first) and the
 * private key of the leaf. The leaf's subject is {@code CN=<terminalId>, OU=vinbind-terminal}: its CN is the
 * terminal id the broker maps the connection to, so it is the terminal's identity on the wire.
 *
 * <p>{@link #toString()} never shows the key.
 */
public final class TerminalCredential {

    /** The OU of every terminal certificate (the identity model of docs/security.md). */
    public static final String TERMINAL_OU = "vinbind-terminal";

    /** id-kp-clientAuth (RFC 5280 §4.2.1.12). */
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final String terminalId;

    private TerminalCredential(List<X509Certificate> chain, PrivateKey key, String terminalId) {
        this.chain = List.copyOf(chain);
        this.key = key;
        this.terminalId = terminalId;
    }

    /**
     * Reads the chain from {@code certFile} ({@link #readChain}) and the key from {@code keyFile}
     * ({@link PemFiles#readPrivateKey}), and checks that the key belongs to the leaf.
     */
    public static TerminalCredential load(Path certFile, Path keyFile) throws CredentialException {
        return withKey(certFile, readChain(certFile), keyFile);
    }

    /**
     * The terminal's certificate chain from a PEM file: leaf first, each certificate issued by the next. The
     * leaf must be a terminal's: exactly one CN that is a terminal id, {@code OU=vinbind-terminal}, no CA flag,
     * and clientAuth if it restricts its extended key usage. A leaf outside its validity period by the local
     * clock is only logged: a head unit's clock may be wrong until the network sets it, and the broker judges
     * validity by its own.
     *
     * @throws CredentialException naming the file and what is wrong with it
     */
    public static List<X509Certificate> readChain(Path certFile) throws CredentialException {
        List<X509Certificate> chain = PemFiles.readCertificates(certFile);
        if (chain.isEmpty()) {
            throw new CredentialException(certFile, PemFiles.shown(certFile) + " holds no certificate");
        }
        X509Certificate leaf = chain.get(0);
        terminalIdOf(certFile, leaf);
        if (leaf.getBasicConstraints() >= 0) {
            throw new CredentialException(certFile, PemFiles.shown(certFile) + " begins with a CA certificate (" + describe(leaf)
                    + "); the terminal's own certificate must come first, then its issuers");
        }
        try {
            List<String> usages = leaf.getExtendedKeyUsage();
            if (usages != null && !usages.contains(CLIENT_AUTH)) {
                throw new CredentialException(certFile, PemFiles.shown(certFile) + ": " + describe(leaf) + " has no clientAuth "
                        + "extended key usage, so it cannot authenticate the terminal to the broker");
            }
        } catch (CertificateParsingException e) {
            throw new CredentialException(certFile, PemFiles.shown(certFile) + ": the extended key usage of " + describe(leaf)
                    + " cannot be read: " + Untrusted.escape(e.getMessage()), e);
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!chain.get(i).getIssuerX500Principal().equals(chain.get(i + 1).getSubjectX500Principal())) {
                throw new CredentialException(certFile, PemFiles.shown(certFile) + ": certificate " + (i + 1) + " (" + describe(chain.get(i))
                        + ") was not issued by certificate " + (i + 2) + " (" + describe(chain.get(i + 1))
                        + "); the chain must go from the terminal's certificate up to its CA, in order");
            }
        }
        try {
            leaf.checkValidity(new Date());
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            Logger.warn("{}: {} is not valid at {} by this terminal's clock (valid {} to {}); the broker will refuse "
                    + "it unless the clock is wrong", certFile, describe(leaf), Instant.now(),
                    leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        }
        return chain;
    }

    /**
     * The credential of {@code chain} (from {@link #readChain}) with the key read from {@code keyFile}.
     *
     * @throws CredentialException the key file is refused ({@link PemFiles#readPrivateKey}) or its key does
     *     not belong to the chain's first certificate
     */
    public static TerminalCredential withKey(Path certFile, List<X509Certificate> chain, Path keyFile)
            throws CredentialException {
        Objects.requireNonNull(certFile, "certFile");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty chain");
        }
        PrivateKey key = PemFiles.readPrivateKey(keyFile);
        X509Certificate leaf = chain.get(0);
        if (!belongs(key, leaf)) {
            throw new CredentialException(keyFile, "the " + key.getAlgorithm() + " key in " + PemFiles.shown(keyFile)
                    + " does not belong to the certificate in " + PemFiles.shown(certFile) + " (" + describe(leaf) + ", "
                    + leaf.getPublicKey().getAlgorithm() + " key)");
        }
        return new TerminalCredential(chain, key, terminalIdOf(certFile, leaf));
    }

    /** The terminal id: the leaf certificate's CN. */
    public String terminalId() {
        return terminalId;
    }

    /** The chain, leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The leaf's private key (for the TLS key manager). */
    PrivateKey privateKey() {
        return key;
    }

    /**
     * The terminal id a terminal certificate names: its one CN, which must be a terminal id
     * ({@link Identifiers#isTerminalId}), beside {@code OU=vinbind-terminal}.
     */
    static String terminalIdOf(Path file, X509Certificate leaf) throws CredentialException {
        LdapName name;
        try {
            name = new LdapName(leaf.getSubjectX500Principal().getName(X500Principal.RFC2253));
        } catch (InvalidNameException e) {
            throw new CredentialException(file, PemFiles.shown(file) + ": the subject of " + describe(leaf) + " cannot be read: "
                    + Untrusted.escape(e.getMessage()), e);
        }
        List<String> cns = new ArrayList<>();
        boolean terminalOu = false;
        for (Rdn rdn : name.getRdns()) {
            javax.naming.directory.Attributes attributes = rdn.toAttributes();
            javax.naming.directory.Attribute cn = attributes.get("CN");
            javax.naming.directory.Attribute ou = attributes.get("OU");
            try {
                if (cn != null) {
                    for (int i = 0; i < cn.size(); i++) {
                        cns.add(String.valueOf(cn.get(i)));
                    }
                }
                if (ou != null) {
                    for (int i = 0; i < ou.size(); i++) {
                        terminalOu |= TERMINAL_OU.equals(String.valueOf(ou.get(i)));
                    }
                }
            } catch (javax.naming.NamingException e) {
                throw new CredentialException(file, PemFiles.shown(file) + ": the subject of " + describe(leaf)
                        + " cannot be read: " + Untrusted.escape(e.getMessage()), e);
            }
        }
        if (cns.size() != 1) {
            throw new CredentialException(file, PemFiles.shown(file) + ": " + describe(leaf) + " has " + cns.size() + " CNs; a "
                    + "terminal certificate has exactly one, CN=<terminalId>");
        }
        String id = cns.get(0);
        if (!terminalOu || !Identifiers.isTerminalId(id)) {
            throw new CredentialException(file, PemFiles.shown(file) + ": " + describe(leaf) + " is not a terminal certificate: "
                    + "its subject must be CN=<terminalId>, OU=" + TERMINAL_OU + ", the terminal id 1-64 characters "
                    + "A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        return id;
    }

    /** Whether {@code key} is the private half of the certificate's public key: a signature proves it. */
    static boolean belongs(PrivateKey key, X509Certificate cert) {
        String algorithm = key.getAlgorithm();
        if (!algorithm.equals(cert.getPublicKey().getAlgorithm())) {
            return false;
        }
        String signature = algorithm.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(challenge);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(sig);
        } catch (GeneralSecurityException e) {
            Logger.debug("key check with {} failed: {}", signature, e.getMessage());
            return false;
        }
    }

    /** Subject and serial of a certificate, escaped for a message. */
    static String describe(X509Certificate c) {
        return "'" + Untrusted.escape(c.getSubjectX500Principal().getName(X500Principal.RFC2253), 200) + "' serial "
                + c.getSerialNumber().toString(16);
    }

    @Override
    public String toString() {
        return "TerminalCredential[" + terminalId + ", " + describe(chain.get(0)) + ", " + chain.size()
                + " certificate(s), " + key.getAlgorithm() + " key]";
    }
}
