package io.vinbind.terminal.tls;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A TLS file the terminal refuses: missing, unreadable, not PEM, the wrong kind of PEM block, a key that group
 * or others may read, an encrypted or traditional key, a certificate outside the identity model, a key that does
 * not belong to its certificate. The message names the file and says what to do.
 */
public final class CredentialException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public CredentialException(Path file, String message) {
        this(file, message, null);
    }

    public CredentialException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The file refused. */
    public Path file() {
        return file;
    }
}
