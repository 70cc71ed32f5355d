/**
 * The terminal's TLS material with the JDK alone (no BouncyCastle on head units): PEM files (RFC 7468) of
 * certificates and unencrypted PKCS#8 keys ({@link io.vinbind.terminal.tls.PemFiles}), the terminal's own
 * credential and identity ({@link io.vinbind.terminal.tls.TerminalCredential}: the CN of a
 * {@code OU=vinbind-terminal} certificate is the terminal id), and the client {@link javax.net.ssl.SSLContext}
 * for mutual TLS to the broker ({@link io.vinbind.terminal.tls.TerminalTls}), built in memory.
 *
 * <p>Refused, each with a message naming the file: a key file that group or others may access, an encrypted
 * or traditional (SEC1 / PKCS#1) key, a PEM block of the wrong type, a file that is not PEM, a CA file with a
 * certificate that is not a CA, a certificate that is not a terminal's, a key that does not belong to its
 * certificate.
 */
package io.vinbind.terminal.tls;
