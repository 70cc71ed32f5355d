package io.vinbind.terminal.tls;

import io.vinbind.log.Untrusted;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * PEM files (RFC 7468) with the JDK alone: certificates ({@code CERTIFICATE}) and unencrypted PKCS#8 private
 * keys ({@code PRIVATE KEY}, RFC 5958), EC or RSA. What a file holds instead is named in the refusal, with the
 * command that converts it where there is one.
 *
 * <p>A key is read only from a file its owner alone may access ({@link #requireOwnerOnly}, as ssh does). An
 * encrypted key is refused: a daemon that starts unattended would need its passphrase in a file next to it,
 * which protects nothing the file's permissions do not.
 */
public final class PemFiles {

    /** Largest PEM file read: a chain of a few certificates is a few KiB; this only stops a runaway file. */
    static final int MAX_BYTES = 1 << 20;

    static final String CERTIFICATE = "CERTIFICATE";
    static final String PRIVATE_KEY = "PRIVATE KEY";
    static final String ENCRYPTED_PRIVATE_KEY = "ENCRYPTED PRIVATE KEY";

    private static final Pattern BEGIN = Pattern.compile("-----BEGIN ([A-Z0-9 ]{1,64})-----");
    private static final Pattern END = Pattern.compile("-----END ([A-Z0-9 ]{1,64})-----");
    private static final Pattern HEADER = Pattern.compile("([A-Za-z0-9-]{1,64}):\\s*(.*)");

    private PemFiles() {
    }

    /** One PEM block: its label, its RFC 1421 headers (only traditional encrypted keys have them), its bytes. */
    record Block(String type, Map<String, String> headers, byte[] der) {
        boolean encrypted() {
            String procType = headers.get("proc-type");
            return procType != null && procType.toUpperCase(Locale.ROOT).contains("ENCRYPTED");
        }
    }

    /**
     * The certificates of a PEM file in file order (a chain: leaf first, then its issuers; or a bundle of CAs).
     *
     * @throws CredentialException missing, unreadable, not PEM, no certificate, or anything but certificates
     */
    public static List<X509Certificate> readCertificates(Path file) throws CredentialException {
        List<X509Certificate> out = new ArrayList<>();
        for (Block b : read(file, "certificates (-----BEGIN CERTIFICATE-----)")) {
            if (!CERTIFICATE.equals(b.type())) {
                throw new CredentialException(file, shown(file) + " holds a " + b.type() + " where only certificates belong"
                        + (b.type().contains("PRIVATE KEY") ? " (a key belongs in its own file, mode 0600)" : ""));
            }
            try {
                out.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException e) {
                throw new CredentialException(file, shown(file) + " holds a CERTIFICATE block that is not an X.509 "
                        + "certificate: " + Untrusted.escape(e.getMessage()), e);
            }
        }
        return List.copyOf(out);
    }

    /**
     * An unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}), EC or RSA, from a file only its
     * owner may access. An {@code EC PARAMETERS} block beside it (as {@code openssl ecparam -genkey} writes) is
     * skipped.
     *
     * @throws CredentialException the file is missing, group or others may access it, it is not PEM, holds an
     *     encrypted or traditional (SEC1 {@code EC PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}) key, another
     *     block type, more or fewer than one key, or a key of another algorithm
     */
    public static PrivateKey readPrivateKey(Path file) throws CredentialException {
        requireOwnerOnly(file);
        String convert = " Convert it with: openssl pkcs8 -topk8 -nocrypt -in " + shown(file) + " -out NEW.key";
        List<Block> keys = new ArrayList<>();
        for (Block b : read(file, "a PKCS#8 private key (-----BEGIN PRIVATE KEY-----)")) {
            switch (b.type()) {
                case "EC PARAMETERS" -> {
                }
                case PRIVATE_KEY -> keys.add(b);
                case ENCRYPTED_PRIVATE_KEY -> throw new CredentialException(file, shown(file) + " holds an encrypted "
                        + "PKCS#8 key (ENCRYPTED PRIVATE KEY); the terminal reads unencrypted PKCS#8 keys protected "
                        + "by the file's permissions (0600)." + convert + " (asks for the passphrase)");
                case "EC PRIVATE KEY", "RSA PRIVATE KEY", "DSA PRIVATE KEY" -> {
                    if (b.encrypted()) {
                        throw new CredentialException(file, shown(file) + " holds an encrypted traditional " + b.type()
                                + " (Proc-Type: 4,ENCRYPTED); the terminal reads unencrypted PKCS#8 keys protected "
                                + "by the file's permissions (0600)." + convert + " (asks for the passphrase)");
                    }
                    throw new CredentialException(file, shown(file) + " holds a traditional " + b.type() + " ("
                            + (b.type().startsWith("EC") ? "SEC1" : "PKCS#1") + "), not PKCS#8 (BEGIN PRIVATE KEY)."
                            + convert);
                }
                case CERTIFICATE -> throw new CredentialException(file, shown(file) + " holds a CERTIFICATE where a "
                        + "PKCS#8 PRIVATE KEY is expected (certificate and key files swapped?)");
                default -> throw new CredentialException(file, shown(file) + " holds a " + b.type() + " where a PKCS#8 "
                        + "PRIVATE KEY is expected");
            }
        }
        if (keys.size() != 1) {
            throw new CredentialException(file, shown(file) + " holds " + keys.size() + " private keys where one is expected");
        }
        byte[] der = keys.get(0).der();
        try {
            for (String algorithm : new String[] {"EC", "RSA"}) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                } catch (InvalidKeySpecException notThisOne) {
                    Logger.trace("{}: not an {} key: {}", file, algorithm, notThisOne.getMessage());
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException("the JDK has no " + algorithm + " key factory", e);
                }
            }
            throw new CredentialException(file, shown(file) + " holds a PRIVATE KEY block that is not a PKCS#8 EC or RSA "
                    + "key (the terminal reads P-256 EC keys, and RSA)");
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    /**
     * Refuses a key file that group or others may read, write or execute (any bit of 0077), as ssh does; the
     * message names the file, its mode and {@code chmod 600}. On a file system without POSIX permissions it
     * logs that it cannot check and accepts the file.
     *
     * @throws CredentialException the file is missing, or group or others may access it
     */
    public static void requireOwnerOnly(Path keyFile) throws CredentialException {
        PosixFileAttributeView view = Files.getFileAttributeView(keyFile, PosixFileAttributeView.class);
        if (view == null) {
            if (!Files.exists(keyFile)) {
                throw new CredentialException(keyFile, "no such file: " + shown(keyFile));
            }
            Logger.warn("cannot check who may read key file {}: its file system has no POSIX permissions; make "
                    + "sure only this user can read it", keyFile);
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            perms = view.readAttributes().permissions();
        } catch (NoSuchFileException e) {
            throw new CredentialException(keyFile, "no such file: " + keyFile, e);
        } catch (IOException e) {
            throw new CredentialException(keyFile, "cannot read the permissions of " + shown(keyFile) + ": "
                    + Untrusted.escape(String.valueOf(e), 200), e);
        }
        Set<PosixFilePermission> others = EnumSet.noneOf(PosixFilePermission.class);
        others.addAll(perms);
        others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        if (!others.isEmpty()) {
            throw new CredentialException(keyFile, "key file " + shown(keyFile) + " has mode " + mode(perms)
                    + ": group or others may access it; it must be readable by its owner only (chmod 600 "
                    + shown(keyFile) + ")");
        }
    }

    /** A path for a message: escaped (it comes from a configuration file) and bounded. */
    static String shown(Path file) {
        return Untrusted.escape(file.toString(), 200);
    }

    /** A permission set as octal, e.g. {@code 0644}. */
    static String mode(Set<PosixFilePermission> perms) {
        int bits = 0;
        for (PosixFilePermission p : perms) {
            bits |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 = 0400 ... OTHERS_EXECUTE ordinal 8 = 0001
        }
        return String.format("%04o", bits);
    }

    private static List<Block> read(Path file, String expected) throws CredentialException {
        byte[] bytes = readBytes(file);
        boolean der = bytes.length > 0 && bytes[0] == 0x30; // a DER SEQUENCE: a certificate or key not in PEM
        List<Block> blocks;
        try {
            blocks = parse(new String(bytes, StandardCharsets.ISO_8859_1));
        } catch (IllegalArgumentException e) {
            throw new CredentialException(file, shown(file) + " is not valid PEM (RFC 7468): " + e.getMessage(), e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        if (blocks.isEmpty()) {
            throw new CredentialException(file, shown(file) + " is not PEM (no -----BEGIN line); expected " + expected
                    + (der ? ". It looks like binary DER: convert it to PEM (openssl x509 -inform DER -in " + file
                            + " -out NEW.pem for a certificate, openssl pkcs8 -topk8 -nocrypt -inform DER -in " + file
                            + " -out NEW.key for a key)" : ""));
        }
        return blocks;
    }

    /**
     * The PEM blocks of {@code text} in order; text outside the blocks (explanatory text, RFC 7468 §2) is
     * ignored. Inside a block: optional RFC 1421 headers, then strict base64.
     *
     * @throws IllegalArgumentException a block without its END line, an END that does not match its BEGIN,
     *     or a body that is not base64 (the message is printable ASCII)
     */
    static List<Block> parse(String text) {
        List<Block> out = new ArrayList<>();
        String[] lines = text.split("\r\n|\n|\r", -1);
        int i = 0;
        while (i < lines.length) {
            Matcher begin = BEGIN.matcher(lines[i].strip());
            if (!begin.matches()) {
                i++;
                continue;
            }
            String type = begin.group(1);
            int beginLine = i + 1;
            i++;
            Map<String, String> headers = new LinkedHashMap<>();
            StringBuilder body = new StringBuilder();
            boolean ended = false;
            boolean inHeaders = true;
            for (; i < lines.length; i++) {
                String line = lines[i].strip();
                Matcher end = END.matcher(line);
                if (end.matches()) {
                    if (!end.group(1).equals(type)) {
                        throw new IllegalArgumentException("line " + (i + 1) + " ends a " + end.group(1)
                                + " block, but line " + beginLine + " began a " + type + " block");
                    }
                    ended = true;
                    i++;
                    break;
                }
                if (line.startsWith("-----")) {
                    throw new IllegalArgumentException("line " + (i + 1) + " is not base64 inside the " + type
                            + " block of line " + beginLine + " (no END line before it?)");
                }
                Matcher header = HEADER.matcher(line);
                if (inHeaders && header.matches()) {
                    headers.put(header.group(1).toLowerCase(Locale.ROOT), header.group(2));
                    continue;
                }
                inHeaders = false;
                body.append(line);
            }
            if (!ended) {
                throw new IllegalArgumentException("the " + type + " block of line " + beginLine + " has no -----END "
                        + type + "----- line");
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(body.toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the " + type + " block of line " + beginLine
                        + " is not base64: " + Untrusted.escape(e.getMessage()), e);
            }
            if (der.length == 0) {
                throw new IllegalArgumentException("the " + type + " block of line " + beginLine + " is empty");
            }
            out.add(new Block(type, Map.copyOf(headers), der));
        }
        return out;
    }

    private static byte[] readBytes(Path file) throws CredentialException {
        try {
            if (Files.isDirectory(file)) {
                throw new CredentialException(file, shown(file) + " is a directory, not a PEM file");
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new CredentialException(file, shown(file) + " has " + size + " bytes, more than a PEM file of "
                        + "certificates or a key (" + MAX_BYTES + " at most)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CredentialException(file, "no such file: " + shown(file), e);
        } catch (AccessDeniedException e) {
            throw new CredentialException(file, "not allowed to read " + shown(file) + " (it must belong to the user the "
                    + "daemon runs as)", e);
        } catch (IOException e) {
            throw new CredentialException(file, "cannot read " + shown(file) + ": " + Untrusted.escape(String.valueOf(e), 200), e);
        }
    }
}
