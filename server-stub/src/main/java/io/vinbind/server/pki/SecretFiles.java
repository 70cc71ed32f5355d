package io.vinbind.server.pki;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files that hold secrets (a database password, an operator's bearer token, a webhook's token): nobody but the owner
 * may read or write them, as for the PKI's keys.
 */
public final class SecretFiles {

    private static final Set<PosixFilePermission> READ = EnumSet.of(PosixFilePermission.GROUP_READ,
        PosixFilePermission.OTHERS_READ);
    private static final Set<PosixFilePermission> WRITE = EnumSet.of(PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.OTHERS_WRITE);

    private SecretFiles() {
    }

    /**
     * @throws IOException naming the mode when group or others may read or write the file, or when it is missing
     */
    public static void requireOwnerOnly(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such file");
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            boolean read = mode.stream().anyMatch(READ::contains);
            if (read || mode.stream().anyMatch(WRITE::contains)) {
                throw new IOException("it is " + (read ? "readable" : "writable") + " by group or others (mode "
                    + PosixFilePermissions.toString(mode) + "); a secret must be its owner's only (chmod 600 " + file
                    + ")");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
    }

    /**
     * A bearer token: the owner-only file's content, stripped.
     *
     * @throws IOException as {@link #requireOwnerOnly}, or when it holds no token (printable ASCII without spaces)
     */
    public static String readToken(Path file) throws IOException {
        requireOwnerOnly(file);
        String token = Files.readString(file).strip();
        if (token.isEmpty() || token.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
            throw new IOException("it holds no token (printable ASCII without spaces)");
        }
        return token;
    }
}
