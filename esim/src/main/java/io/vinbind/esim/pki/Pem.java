package io.vinbind.esim.pki;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** PEM files of certificates and private keys (BouncyCastle's PEM reader and writer). */
public final class Pem {
    private Pem() {
    }

    /** Every certificate in a PEM file (or a DER file holding one). */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        try {
            if (raw.length > 0 && raw[0] == 0x30) {
                out.add(conv.getCertificate(new X509CertificateHolder(raw)));
                return out;
            }
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
                Object o;
                while ((o = p.readObject()) != null) {
                    if (o instanceof X509CertificateHolder h) {
                        out.add(conv.getCertificate(h));
                    }
                }
            }
        } catch (CertificateException | RuntimeException e) {
            throw new IOException(file + ": not a certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no certificate in it");
        }
        return out;
    }

    public static X509Certificate readCertificate(Path file) throws IOException {
        return readCertificates(file).get(0);
    }

    /** A private key from PEM: PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"), as the SGP.26 files use. */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o;
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            while ((o = p.readObject()) != null) {
                if (o instanceof PEMKeyPair kp) {
                    PrivateKeyInfo info = kp.getPrivateKeyInfo(); // SEC1 files may omit the public key
                    if (info.getPrivateKeyAlgorithm().getParameters() == null
                        || info.getPrivateKeyAlgorithm().getParameters() instanceof org.bouncycastle.asn1.ASN1Null) {
                        // a SEC1 key without its curve: RSP keys are P-256 (SGP.22 §2.6.5)
                        java.math.BigInteger d = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
                        return io.vinbind.esim.crypto.Ecc.privateKey(d.toByteArray());
                    }
                    return conv.getPrivateKey(info);
                }
                if (o instanceof PrivateKeyInfo info) {
                    return conv.getPrivateKey(info);
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(file + ": not a private key: " + e.getMessage(), e);
        }
        throw new IOException(file + ": no private key in it");
    }

    public static String toPem(Object certOrKey) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            if (certOrKey instanceof PrivateKey k) {
                w.writeObject(new JcaPKCS8Generator(k, null));
            } else {
                w.writeObject(certOrKey);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return s.toString();
    }

    public static void writeCertificate(Path file, X509Certificate cert) throws IOException {
        writeAtomically(file, toPem(cert), false);
    }

    /** Writes a key readable by its owner only (mode 600 where the file system has POSIX permissions). */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        writeAtomically(file, toPem(key), true);
    }

    static void writeAtomically(Path file, String text, boolean ownerOnly) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (posix) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString(ownerOnly ? "rw-------" : "rw-r--r--")));
        } else {
            Files.createFile(tmp);
        }
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
            w.write(text);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
