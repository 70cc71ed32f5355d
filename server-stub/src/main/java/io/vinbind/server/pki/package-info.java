/**
 * The PKI of the trusted channel: who a certificate speaks for ({@link io.vinbind.server.pki.Identity}),
 * checking a presented chain ({@link io.vinbind.server.pki.ChainCheck}), the test/demo PKI in a directory
 * ({@link io.vinbind.server.pki.TestPki}, the layout an OEM's own CAs plug into), PEM/PKCS#8 files
 * ({@link io.vinbind.server.pki.PemFiles}) and the key and trust material TLS stacks need
 * ({@link io.vinbind.server.pki.TlsMaterial}).
 *
 * <p>Terminals get certificates from a terminal CA (the OEM's, used at the terminal factory), services (server
 * instances, factory and after-sales tools) from a separate service CA, so that whoever runs the terminal
 * factory cannot mint a server. Certificates follow RFC 5280, files RFC 7468 (PEM) and PKCS#8 (RFC 5958). The
 * model and the file layout are described in docs/security.md.
 */
package io.vinbind.server.pki;
