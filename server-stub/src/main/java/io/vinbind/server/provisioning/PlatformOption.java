package io.vinbind.server.provisioning;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Parses {@code --operator-platform ID=URL,token-file=FILE[,ca-file=FILE][,smdp-address=ADDR][,confirmation-code]}:
 * an SM-DP+'s ES2+ endpoint, the file holding the bearer token the operator issued, the CA certificates (PEM) its TLS
 * certificate chains to, the SM-DP+ address whose ES9+ is at the same URL (when that address does not resolve there),
 * and whether its orders are confirmed with a confirmation code (SGP.22 §3.1.2). The token file must not be readable
 * by group or others (it is a credential).
 */
public final class PlatformOption {

    private PlatformOption() {
    }

    /** @throws IllegalArgumentException naming the part that is wrong */
    public static OperatorPlatform.Spec parse(String text) {
        String usage = " (expected ID=https://HOST:PORT,token-file=FILE[,ca-file=FILE][,smdp-address=FQDN]"
            + "[,confirmation-code])";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("--operator-platform is empty" + usage);
        }
        String[] parts = text.split(",");
        int eq = parts[0].indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--operator-platform '" + Fields.shown(text) + "' has no ID=URL" + usage);
        }
        String id = parts[0].substring(0, eq);
        URI url;
        try {
            url = new URI(parts[0].substring(eq + 1));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--operator-platform " + Fields.shown(id) + ": URL is not valid: "
                + e.getMessage() + usage);
        }
        if (url.getHost() == null || url.getPort() == 0 || url.getScheme() == null) {
            throw new IllegalArgumentException("--operator-platform " + Fields.shown(id) + ": URL '" + url
                + "' has no scheme or host" + usage);
        }
        Path tokenFile = null;
        Path caFile = null;
        String es9Address = null;
        boolean codes = false;
        for (int i = 1; i < parts.length; i++) {
            int e = parts[i].indexOf('=');
            String key = e < 0 ? parts[i] : parts[i].substring(0, e);
            String value = e < 0 ? "" : parts[i].substring(e + 1);
            switch (key) {
                case "token-file" -> tokenFile = Path.of(value);
                case "ca-file" -> caFile = Path.of(value);
                case "smdp-address" -> es9Address = value;
                case "confirmation-code" -> {
                    if (e >= 0 && !value.equals("yes") && !value.equals("no")) {
                        throw new IllegalArgumentException("--operator-platform " + Fields.shown(id)
                            + ": confirmation-code takes no value, or yes or no, not '" + Fields.shown(value) + "'" + usage);
                    }
                    codes = e < 0 || value.equals("yes");
                }
                default -> throw new IllegalArgumentException("--operator-platform " + Fields.shown(id) + ": unknown part '"
                    + Fields.shown(key) + "'" + usage);
            }
        }
        if (tokenFile == null) {
            throw new IllegalArgumentException("--operator-platform " + Fields.shown(id) + ": token-file is required" + usage);
        }
        String token;
        try {
            token = io.vinbind.server.pki.SecretFiles.readToken(tokenFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("--operator-platform " + Fields.shown(id) + ": token-file " + tokenFile
                + " cannot be read: " + e.getMessage());
        }
        if (caFile != null && !Files.isReadable(caFile)) {
            throw new IllegalArgumentException("--operator-platform " + Fields.shown(id) + ": ca-file " + caFile
                + " cannot be read");
        }
        try {
            return new OperatorPlatform.Spec(id, url, token, Optional.ofNullable(caFile),
                Optional.ofNullable(es9Address), codes);
        } catch (InvalidDefinitionException e) {
            throw new IllegalArgumentException("--operator-platform " + Fields.shown(id) + ": " + e.getMessage());
        }
    }
}
