package io.vinbind.server.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;
import org.tinylog.Logger;

/**
 * PEM files (RFC 7468) of certificates, CRLs and unencrypted PKCS#8 private keys (RFC 5958 {@code PRIVATE KEY},
 * EC or RSA), read with errors that say what the file is instead and written atomically (a temporary file in
 * the same directory, then a rename) so that a reader never sees half a file.
 *
 * <p>Keys are written readable by their owner only (0600) and never read from a file that group or others can
 * read ({@link #requireOwnerOnly}). Encrypted keys are refused: a daemon that starts unattended would need the
 * passphrase in a file next to the key, which protects nothing the file permissions do not.
 */
public final class PemFiles {

    /** Largest PEM file read: a chain of a few certificates is a few KiB; this only stops a runaway file. */
    static final int MAX_BYTES = 1 << 20;

    static final String CERTIFICATE = "CERTIFICATE";
    static final String CRL = "X509 CRL";
    static final String PRIVATE_KEY = "PRIVATE KEY";
    static final String ENCRYPTED_PRIVATE_KEY = "ENCRYPTED PRIVATE KEY";

    private static final Set<PosixFilePermission> OWNER_ONLY =
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private PemFiles() {
    }

    /**
     * Reads the certificates of a PEM file in file order (a chain file: leaf first, then its issuers; or a bundle
     * of CA certificates).
     *
     * @throws PkiException ({@link PkiException.Reason#FILE}) when the file is missing, not PEM, holds no
     *     certificate, or holds anything else (a key does not belong in a certificate file)
     */
    public static List<X509Certificate> readCertificates(Path file) throws PkiException {
        List<X509Certificate> out = new ArrayList<>();
        for (PemObject o : readPem(file, "certificates (-----BEGIN CERTIFICATE-----)")) {
            if (!CERTIFICATE.equals(o.getType())) {
                throw fileError(file + " holds a " + o.getType() + " where only certificates belong"
                    + (o.getType().contains("PRIVATE KEY") ? " (keep keys in their own 0600 file)" : ""));
            }
            out.add(certificate(file, o.getContent()));
        }
        return List.copyOf(out);
    }

    /** Reads a PEM file that must hold exactly one certificate. */
    public static X509Certificate readCertificate(Path file) throws PkiException {
        List<X509Certificate> certs = readCertificates(file);
        if (certs.size() != 1) {
            throw fileError(file + " holds " + certs.size() + " certificates where one is expected");
        }
        return certs.get(0);
    }

    /** Reads a PEM file holding one CRL ({@code -----BEGIN X509 CRL-----}, RFC 7468 §6, RFC 5280 §5). */
    public static X509CRL readCrl(Path file) throws PkiException {
        List<PemObject> objects = readPem(file, "a CRL (-----BEGIN X509 CRL-----)");
        if (objects.size() != 1 || !CRL.equals(objects.get(0).getType())) {
            throw fileError(file + " holds " + describe(objects) + " where one X509 CRL is expected");
        }
        try {
            return (X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(objects.get(0).getContent()));
        } catch (CertificateException | CRLException e) {
            throw fileError(file + " holds an X509 CRL block that is not a valid CRL: " + e.getMessage(), e);
        }
    }

    /**
     * Reads an unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}, RFC 7468 §10), EC or RSA.
     * An {@code EC PARAMETERS} block before it (as {@code openssl ecparam -genkey} writes) is skipped.
     *
     * @throws PkiException ({@link PkiException.Reason#FILE}) when the file is missing, readable by group or
     *     others, not PEM, an encrypted key, a traditional SEC1/PKCS#1 key (with the command that converts it), or
     *     of another algorithm
     */
    public static PrivateKey readPrivateKey(Path file) throws PkiException {
        requireOwnerOnly(file);
        List<PemObject> keys = new ArrayList<>();
        for (PemObject o : readPem(file, "a PKCS#8 private key (-----BEGIN PRIVATE KEY-----)")) {
            switch (o.getType()) {
                case "EC PARAMETERS" -> { }
                case PRIVATE_KEY -> keys.add(o);
                case ENCRYPTED_PRIVATE_KEY -> throw fileError(file + " holds an encrypted PKCS#8 key (ENCRYPTED PRIVATE"
                    + " KEY), which vinbind does not read: it reads unencrypted keys protected by file permissions"
                    + " (0600). Decrypt it with: openssl pkcs8 -in " + file + " -out NEW.key (asks for the passphrase)");
                case "EC PRIVATE KEY", "RSA PRIVATE KEY", "DSA PRIVATE KEY" -> {
                    if (encrypted(o)) {
                        throw fileError(file + " holds an encrypted " + o.getType() + " (Proc-Type: 4,ENCRYPTED), which"
                            + " vinbind does not read: it reads unencrypted PKCS#8 keys protected by file permissions"
                            + " (0600). Convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out NEW.key");
                    }
                    throw fileError(file + " holds a traditional " + o.getType() + " (SEC1/PKCS#1), not PKCS#8."
                        + " Convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out NEW.key");
                }
                default -> throw fileError(file + " holds a " + o.getType() + " where a PKCS#8 PRIVATE KEY is expected");
            }
        }
        if (keys.size() != 1) {
            throw fileError(file + " holds " + keys.size() + " private keys where one is expected");
        }
        byte[] der = keys.get(0).getContent();
        ASN1ObjectIdentifier algorithm;
        try {
            algorithm = PrivateKeyInfo.getInstance(der).getPrivateKeyAlgorithm().getAlgorithm();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw fileError(file + " holds a PRIVATE KEY block that is not a PKCS#8 structure: " + e.getMessage(), e);
        }
        String name;
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            name = "EC";
        } else if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            name = "RSA";
        } else {
            throw fileError(file + " holds a key of algorithm " + algorithm + "; vinbind reads EC and RSA keys");
        }
        try {
            return KeyFactory.getInstance(name).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw fileError(file + " holds an " + name + " key that cannot be decoded: " + e.getMessage(), e);
        }
    }

    /** Writes certificates (leaf first for a chain) as PEM, mode 0644 (certificates are public). */
    public static void writeCertificates(Path file, List<X509Certificate> certificates) throws PkiException {
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no certificate to write to " + file);
        }
        List<PemObject> objects = new ArrayList<>();
        for (X509Certificate c : certificates) {
            try {
                objects.add(new PemObject(CERTIFICATE, c.getEncoded()));
            } catch (CertificateException e) {
                throw fileError("cannot encode certificate " + c.getSubjectX500Principal() + ": " + e.getMessage(), e);
            }
        }
        writeAtomically(file, pem(objects), false);
    }

    /** Writes CRLs as PEM (one, or a bundle for brokers that take one CRL file), mode 0644. */
    public static void writeCrls(Path file, List<X509CRL> crls) throws PkiException {
        List<PemObject> objects = new ArrayList<>();
        for (X509CRL crl : crls) {
            try {
                objects.add(new PemObject(CRL, crl.getEncoded()));
            } catch (CRLException e) {
                throw fileError("cannot encode the CRL of " + crl.getIssuerX500Principal() + ": " + e.getMessage(), e);
            }
        }
        writeAtomically(file, pem(objects), false);
    }

    /** Writes a private key as unencrypted PKCS#8 PEM, readable by its owner only (0600). */
    public static void writePrivateKey(Path file, PrivateKey key) throws PkiException {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("key for " + file + " encodes as " + key.getFormat() + ", not PKCS#8");
        }
        writeAtomically(file, pem(List.of(new PemObject(PRIVATE_KEY, key.getEncoded()))), true);
    }

    /**
     * Refuses a key file that group or others may read, write or execute (any bit of 0077), as ssh does. On a
     * file system without POSIX permissions it logs that it cannot check and accepts the file.
     *
     * @throws PkiException ({@link PkiException.Reason#FILE}) naming the file and its mode, or when it is missing
     */
    public static void requireOwnerOnly(Path keyFile) throws PkiException {
        PosixFileAttributeView view = Files.getFileAttributeView(keyFile, PosixFileAttributeView.class);
        if (view == null) {
            if (!Files.exists(keyFile)) {
                throw fileError("no such file: " + keyFile);
            }
            Logger.warn("cannot check who may read key file {}: its file system has no POSIX permissions; make sure"
                + " only this user can read it", keyFile);
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = view.readAttributes().permissions();
        } catch (NoSuchFileException e) {
            throw fileError("no such file: " + keyFile, e);
        } catch (IOException e) {
            throw fileError("cannot read the permissions of " + keyFile + ": " + e, e);
        }
        Set<PosixFilePermission> others = EnumSet.noneOf(PosixFilePermission.class);
        others.addAll(perms);
        others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE));
        if (!others.isEmpty()) {
            throw fileError("key file " + keyFile + " has mode " + mode(perms) + ": group or others may access it;"
                + " it must be readable by its owner only (chmod 600 " + keyFile + ")");
        }
    }

    /** A permission set as octal, e.g. {@code 0644}. */
    static String mode(Set<PosixFilePermission> perms) {
        int bits = 0;
        for (PosixFilePermission p : perms) {
            bits |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 = 0400, ... OTHERS_EXECUTE ordinal 8 = 0001
        }
        return String.format("%04o", bits);
    }

    /** Creates a directory (and its parents) readable by its owner only (0700); an existing one is set to 0700. */
    static void createPrivateDirectory(Path dir) throws PkiException {
        try {
            Files.createDirectories(dir);
            if (Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw fileError("cannot create directory " + dir + ": " + e, e);
        }
    }

    /**
     * Writes bytes to {@code file} through a temporary file in the same directory (created 0600), forced to disk,
     * then renamed over the target; {@code secret} keeps 0600, otherwise the file ends 0644.
     */
    static void writeAtomically(Path file, byte[] content, boolean secret) throws PkiException {
        Path dir = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        try {
            if (posix) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } else {
                Files.createFile(tmp);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (posix && !secret) {
                Files.setPosixFilePermissions(tmp, PUBLIC_FILE);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw fileError("cannot write " + file + ": " + e, e);
        }
    }

    private static List<PemObject> readPem(Path file, String expected) throws PkiException {
        byte[] bytes = readBytes(file);
        String text = new String(bytes, StandardCharsets.US_ASCII);
        List<PemObject> out = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(text))) {
            PemObject o;
            while ((o = reader.readPemObject()) != null) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw fileError(file + " is not valid PEM (RFC 7468): " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            boolean der = bytes.length > 0 && bytes[0] == 0x30;
            throw fileError(file + " is not PEM (no -----BEGIN line); expected " + expected
                + (der ? ". It looks like binary DER: convert it to PEM, e.g. openssl x509 -inform DER -in " + file
                    + " -out NEW.pem" : ""));
        }
        return out;
    }

    private static byte[] readBytes(Path file) throws PkiException {
        try {
            if (Files.isDirectory(file)) {
                throw fileError(file + " is a directory, not a PEM file");
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw fileError(file + " has " + size + " bytes, more than a PEM file of certificates or keys ("
                    + MAX_BYTES + " at most)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw fileError("no such file: " + file, e);
        } catch (AccessDeniedException e) {
            throw fileError("not allowed to read " + file, e);
        } catch (IOException e) {
            throw fileError("cannot read " + file + ": " + e, e);
        }
    }

    private static X509Certificate certificate(Path file, byte[] der) throws PkiException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw fileError(file + " holds a CERTIFICATE block that is not a valid X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static boolean encrypted(PemObject o) {
        for (Object h : o.getHeaders()) {
            PemHeader header = (PemHeader) h;
            if ("Proc-Type".equalsIgnoreCase(header.getName()) && header.getValue().contains("ENCRYPTED")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(List<PemObject> objects) {
        List<String> types = new ArrayList<>();
        for (PemObject o : objects) {
            types.add(o.getType());
        }
        return objects.size() + " PEM block(s) " + types;
    }

    private static byte[] pem(List<PemObject> objects) throws PkiException {
        StringWriter text = new StringWriter();
        try (PemWriter w = new PemWriter(text)) {
            for (PemObject o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw fileError("cannot encode PEM: " + e.getMessage(), e);
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static PkiException fileError(String message) {
        return new PkiException(PkiException.Reason.FILE, message);
    }

    private static PkiException fileError(String message, Throwable cause) {
        return new PkiException(PkiException.Reason.FILE, message, cause);
    }
}
